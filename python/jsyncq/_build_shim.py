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
"""

_here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(_here, "_shim_src.c"), encoding="utf-8") as source:
    SOURCE = source.read()

ffibuilder = FFI()
ffibuilder.cdef(CDEF)
ffibuilder.set_source("jsyncq._shim", SOURCE, extra_compile_args=["-O2", "-std=gnu11"])

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
