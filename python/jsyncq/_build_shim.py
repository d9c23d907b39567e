"""Builds the C shim (jsyncq._shim) with cffi in API mode; run by setup.py through ``cffi_modules``."""

import os

from cffi import FFI

CDEF = """
int64_t jq_load64(uintptr_t a);
int64_t jq_load64_acquire(uintptr_t a);
void jq_store64(uintptr_t a, int64_t v);
void jq_store64_release(uintptr_t a, int64_t v);
int jq_cas64(uintptr_t a, int64_t expected, int64_t desired);
int64_t jq_fetch_add64(uintptr_t a, int64_t delta);
int32_t jq_load32(uintptr_t a);
int32_t jq_load32_acquire(uintptr_t a);
void jq_store32(uintptr_t a, int32_t v);
void jq_store32_release(uintptr_t a, int32_t v);
int jq_cas32(uintptr_t a, int32_t expected, int32_t desired);
int32_t jq_fetch_add32(uintptr_t a, int32_t delta);
void jq_fence(void);
int64_t jq_read64(uintptr_t a);

int jq_futex_wait(uintptr_t a, int32_t expected, int64_t nanos);
int jq_futex_wake(uintptr_t a);
int jq_futex_wait_bitset(uintptr_t a, int32_t expected, int64_t nanos, uint32_t bits);
int jq_futex_wake_bitset(uintptr_t a, uint32_t bits);

uintptr_t jq_map(int fd, int64_t length, int *err);
uintptr_t jq_map_queue(int fd, int64_t file_length, int64_t ring_offset, int64_t capacity, int *err);
int jq_unmap(uintptr_t a, int64_t length);

int jq_ofd_lock(int fd, int64_t offset, int64_t length, int wait);
int jq_ofd_unlock(int fd, int64_t offset, int64_t length);
int jq_ofd_held_by_other(int fd, int64_t offset, int64_t length);

void jq_copy_in(uintptr_t dst, const char *src, size_t n);
void jq_copy_out(char *dst, uintptr_t src, size_t n);
int jq_equal(uintptr_t a, const char *b, size_t n);
int64_t jq_fnv1a64(uintptr_t a, size_t n);

int64_t jq_layout_value(int i);
struct jq_queue {
    uintptr_t base;
    uintptr_t ring;
    uintptr_t marks;
    int64_t capacity;
    int64_t nmarks;
    int32_t max_readers;
    int32_t large_record;
};
struct jq_found {
    int64_t position;
    int64_t next;
    uintptr_t names;
    int32_t sender_length;
    int32_t type_length;
    int32_t body_length;
    int32_t unused;
};
int64_t jq_append(const struct jq_queue *q, int32_t slot, int32_t lane, int64_t expected_word, int32_t generation,
                  const char *sender, int32_t sender_length, int64_t sender_hash, const char *type,
                  int32_t type_length, int64_t type_hash, const char *body, int64_t body_length);
int jq_next(const struct jq_queue *q, int32_t slot, int64_t cursor, const char *sender_screen,
            int64_t sender_screen_length, const char *type_screen, int64_t type_screen_length, struct jq_found *out);
int jq_after_read(const struct jq_queue *q, int32_t slot, int64_t expected_word, int64_t cursor, int store);
int jq_ready(const struct jq_queue *q, int32_t slot, int64_t expected_word, int64_t cursor);
int jq_reader_sleep(const struct jq_queue *q, int32_t slot, int64_t expected_word, int64_t cursor, int64_t nanos);
"""

_here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(_here, "_shim_src.c"), encoding="utf-8") as source:
    SOURCE = source.read()

ffibuilder = FFI()
ffibuilder.cdef(CDEF)
ffibuilder.set_source("jsyncq._shim", SOURCE, extra_compile_args=["-O2", "-std=gnu11"])

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
