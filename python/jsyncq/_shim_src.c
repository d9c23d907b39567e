/*
 * jsyncq's C shim: the few Linux primitives Python lacks, on raw addresses of the shared mapping.
 *
 * Nothing here knows the queue's protocol; the Python modules do (they mirror the Java classes in
 * io.jsyncq.internal). Every function is a thin, documented wrapper:
 *
 *   - atomics on 4- and 8-byte words: acquire / seq_cst loads, release / seq_cst stores, compare-and-set,
 *     fetch-add, and a full fence. Java's VarHandle "volatile" is seq_cst, "acquire"/"release" the same
 *     names here, so the Python code can keep the Java code's order of memory operations exactly;
 *   - futex FUTEX_WAIT / FUTEX_WAKE and FUTEX_WAIT_BITSET / FUTEX_WAKE_BITSET, never with
 *     FUTEX_PRIVATE_FLAG: the kernel then keys the words by file page, so they work across processes
 *     (and between Python and the JVM);
 *   - the double mapping of the ring (design.md section 1) and unmapping;
 *   - open-file-description byte locks (F_OFD_SETLK / F_OFD_SETLKW / F_OFD_GETLK): the slots' owner
 *     locks (design.md section 6);
 *   - memcpy into the mapping.
 *
 * Errors are returned as errno values (0 for success), never raised: the Python side turns them into
 * exceptions with a message that says what to do.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ---- atomics --------------------------------------------------------------------------------------- */

#define P64(a) ((int64_t *) (uintptr_t) (a))
#define P32(a) ((int32_t *) (uintptr_t) (a))

static int64_t jq_load64(uintptr_t a) { return __atomic_load_n(P64(a), __ATOMIC_SEQ_CST); }
static int64_t jq_load64_acquire(uintptr_t a) { return __atomic_load_n(P64(a), __ATOMIC_ACQUIRE); }
static void jq_store64(uintptr_t a, int64_t v) { __atomic_store_n(P64(a), v, __ATOMIC_SEQ_CST); }
static void jq_store64_release(uintptr_t a, int64_t v) { __atomic_store_n(P64(a), v, __ATOMIC_RELEASE); }
static int jq_cas64(uintptr_t a, int64_t expected, int64_t desired) {
    return __atomic_compare_exchange_n(P64(a), &expected, desired, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
static int64_t jq_fetch_add64(uintptr_t a, int64_t delta) { return __atomic_fetch_add(P64(a), delta, __ATOMIC_SEQ_CST); }

static int32_t jq_load32(uintptr_t a) { return __atomic_load_n(P32(a), __ATOMIC_SEQ_CST); }
static int32_t jq_load32_acquire(uintptr_t a) { return __atomic_load_n(P32(a), __ATOMIC_ACQUIRE); }
static void jq_store32(uintptr_t a, int32_t v) { __atomic_store_n(P32(a), v, __ATOMIC_SEQ_CST); }
static void jq_store32_release(uintptr_t a, int32_t v) { __atomic_store_n(P32(a), v, __ATOMIC_RELEASE); }
static int jq_cas32(uintptr_t a, int32_t expected, int32_t desired) {
    return __atomic_compare_exchange_n(P32(a), &expected, desired, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
static int32_t jq_fetch_add32(uintptr_t a, int32_t delta) { return __atomic_fetch_add(P32(a), delta, __ATOMIC_SEQ_CST); }

/* Java's VarHandle.fullFence(): orders every earlier store before every later load (Dekker, design.md 5). */
static void jq_fence(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

/* The 8 bytes at an address, as plain (non-atomic) little-endian fields the caller wrote or validated. */
static int64_t jq_read64(uintptr_t a) { int64_t v; memcpy(&v, (const void *) a, 8); return v; }

/* ---- futex ----------------------------------------------------------------------------------------- */

static long futex(uintptr_t a, int op, int32_t val, const struct timespec *ts, uint32_t val3) {
    return syscall(SYS_futex, (int32_t *) a, op, val, ts, NULL, val3);
}

/* Sleeps while the word holds `expected`, for at most `nanos` (relative). 0, or EAGAIN / ETIMEDOUT /
 * EINTR, which all mean "look again"; anything else is a real failure. */
static int jq_futex_wait(uintptr_t a, int32_t expected, int64_t nanos) {
    struct timespec ts = { nanos / 1000000000, nanos % 1000000000 };
    return futex(a, FUTEX_WAIT, expected, &ts, 0) == 0 ? 0 : errno;
}

/* Wakes every sleeper of the word, whatever its bits (FUTEX_WAKE matches every bitset). */
static int jq_futex_wake(uintptr_t a) {
    return futex(a, FUTEX_WAKE, INT_MAX, NULL, 0) >= 0 ? 0 : errno;
}

/* Sleeps while the word holds `expected`, woken only by wakes whose bits meet `bits`. The kernel takes an
 * absolute CLOCK_MONOTONIC deadline for this op: now + nanos. */
static int jq_futex_wait_bitset(uintptr_t a, int32_t expected, int64_t nanos, uint32_t bits) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t ns = ts.tv_nsec + nanos % 1000000000;
    ts.tv_sec += nanos / 1000000000 + ns / 1000000000;
    ts.tv_nsec = ns % 1000000000;
    return futex(a, FUTEX_WAIT_BITSET, expected, &ts, bits) == 0 ? 0 : errno;
}

/* Wakes, in one call, every sleeper whose bitset meets `bits` (not 0). */
static int jq_futex_wake_bitset(uintptr_t a, uint32_t bits) {
    return futex(a, FUTEX_WAKE_BITSET, INT_MAX, NULL, bits) >= 0 ? 0 : errno;
}

/* ---- mapping --------------------------------------------------------------------------------------- */

/* Maps `length` bytes of the file from offset 0, shared, read-write (the header page, to check it before
 * trusting its sizes). Returns the address, or 0 with *err set. */
static uintptr_t jq_map(int fd, int64_t length, int *err) {
    void *p = mmap(NULL, (size_t) length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) { *err = errno; return 0; }
    *err = 0;
    return (uintptr_t) p;
}

/* QueueFile.mapFd: reserves file_length + capacity bytes of address space, maps the whole file at the
 * start and the ring (file offset ring_offset, capacity bytes) again right after it, so a record that
 * runs off the end of the ring continues, byte for byte, in the second mapping. Returns the base, or 0
 * with *err set (nothing is left mapped then). */
static uintptr_t jq_map_queue(int fd, int64_t file_length, int64_t ring_offset, int64_t capacity, int *err) {
    size_t total = (size_t) (file_length + capacity);
    char *base = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) { *err = errno; return 0; }
    if (mmap(base, (size_t) file_length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED
        || mmap(base + file_length, (size_t) capacity, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
                (off_t) ring_offset) == MAP_FAILED) {
        *err = errno;
        munmap(base, total);
        return 0;
    }
    *err = 0;
    return (uintptr_t) base;
}

static int jq_unmap(uintptr_t a, int64_t length) { return munmap((void *) a, (size_t) length) == 0 ? 0 : errno; }

/* ---- open-file-description locks ------------------------------------------------------------------- */

static int ofd(int fd, int cmd, short type, int64_t offset, int64_t length, struct flock *out) {
    struct flock lock;
    memset(&lock, 0, sizeof lock); /* l_pid must be 0 for OFD locks */
    lock.l_type = type;
    lock.l_whence = SEEK_SET;
    lock.l_start = offset;
    lock.l_len = length;
    int r = fcntl(fd, cmd, &lock);
    if (out) *out = lock;
    return r == 0 ? 0 : errno;
}

/* Takes a write lock on [offset, offset + length) for the open file description of fd: 0 if taken,
 * EAGAIN or EACCES if another description holds it (only without `wait`), another errno on failure. */
static int jq_ofd_lock(int fd, int64_t offset, int64_t length, int wait) {
    return ofd(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, F_WRLCK, offset, length, NULL);
}

static int jq_ofd_unlock(int fd, int64_t offset, int64_t length) {
    return ofd(fd, F_OFD_SETLK, F_UNLCK, offset, length, NULL);
}

/* 1 if another open file description holds a lock on the range, 0 if not, -errno on failure. */
static int jq_ofd_held_by_other(int fd, int64_t offset, int64_t length) {
    struct flock lock;
    int e = ofd(fd, F_OFD_GETLK, F_WRLCK, offset, length, &lock);
    if (e) return -e;
    return lock.l_type != F_UNLCK;
}

/* ---- copying --------------------------------------------------------------------------------------- */

static void jq_copy_in(uintptr_t dst, const char *src, size_t n) { memcpy((void *) dst, src, n); }
static void jq_copy_out(char *dst, uintptr_t src, size_t n) { memcpy(dst, (const void *) src, n); }
static int jq_equal(uintptr_t a, const char *b, size_t n) { return memcmp((const void *) a, b, n) == 0; }

/* 64-bit FNV-1a of n bytes at an address: NameHash.of, for names read in the ring. */
static int64_t jq_fnv1a64(uintptr_t a, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    const unsigned char *p = (const unsigned char *) a;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    return (int64_t) h;
}

/* ---- fused fast paths ------------------------------------------------------------------------------
 *
 * One C call for the common case of an append (claim, write, publish, wake) and of a read (find the next
 * record to deliver, passing skip marks, records the delivery gate holds back and screened records; then,
 * after the copy, the seqlock check and the cursor's store) and for one sleep of a reader. Each is the
 * Python modules' code (shared.py, reader.py, waiting.py, gate.py, mirroring Java's SharedQueue,
 * MessageReader, Waiter and DeliveryGate) with the same memory operations in the same order and with the
 * same orderings: seq_cst where Java uses a volatile access or a CAS, release and acquire where Java uses
 * setRelease and getAcquire, plain accesses where Java's are plain. Anything unusual (no room by the head
 * cache, a damaged tail or header, a registration lost) is returned, not handled: the Python code takes over
 * on its slow paths. The offsets below are layout.py's (and gate.py's); native.py checks them against it
 * when the package is imported. */

#define JQ_TAIL 128
#define JQ_HEAD 256
#define JQ_HIGH_WATER 392
#define JQ_MESSAGE_FUTEX 512
#define JQ_MESSAGE_WAITERS 516
#define JQ_SPACE_FUTEX 640
#define JQ_SPACE_WAITERS 644
#define JQ_SPACE_ARMED 648
#define JQ_GATE_STATE 896
#define JQ_GATE_START 904
#define JQ_GATE_END 912
#define JQ_GATE_TAKING INT32_MIN
#define JQ_TABLE 4096
#define JQ_SLOT_LENGTH 384
#define JQ_CURSOR 0
#define JQ_SLOT_WORD 8
#define JQ_FLOORS 16
#define JQ_MESSAGE_SLEEPERS 152
#define JQ_WAIT_AT 256
#define JQ_ARMED 264
#define JQ_SUMMARY 268
#define JQ_SENDER_HASHES 272
#define JQ_TYPE_HASHES 320
#define JQ_SUMMARY_HASHES 6
#define JQ_HEADER 16
#define JQ_GRANULE 64
#define JQ_SKIP_RECORD 2
#define JQ_SKIP_GRANULE 3
#define JQ_NO_FLOOR INT64_MAX
#define JQ_LARGE_RECORD 4096

static const int64_t jq_layout_values[] = {
    JQ_TAIL, JQ_HEAD, JQ_HIGH_WATER, JQ_MESSAGE_FUTEX, JQ_MESSAGE_WAITERS, JQ_SPACE_FUTEX, JQ_SPACE_WAITERS,
    JQ_SPACE_ARMED, JQ_TABLE, JQ_SLOT_LENGTH, JQ_CURSOR, JQ_SLOT_WORD, JQ_FLOORS, JQ_MESSAGE_SLEEPERS,
    JQ_WAIT_AT, JQ_ARMED, JQ_SUMMARY, JQ_SENDER_HASHES, JQ_TYPE_HASHES, JQ_SUMMARY_HASHES, JQ_HEADER,
    JQ_GRANULE, JQ_SKIP_RECORD, JQ_SKIP_GRANULE, JQ_LARGE_RECORD, JQ_GATE_STATE, JQ_GATE_START,
    JQ_GATE_END, JQ_GATE_TAKING
};

/* The i-th of the offsets above (or -1 past the end), for native.py's check against layout.py. */
static int64_t jq_layout_value(int i) {
    return i >= 0 && i < (int) (sizeof jq_layout_values / sizeof jq_layout_values[0]) ? jq_layout_values[i] : -1;
}

/* One mapped queue, as SharedQueue knows it. */
struct jq_queue {
    uintptr_t base;      /* the mapping */
    uintptr_t ring;      /* base + ring offset */
    uintptr_t marks;     /* base + marks offset */
    int64_t capacity;    /* ring bytes, a power of two */
    int64_t nmarks;      /* capacity / 64 */
    int32_t max_readers;
    int32_t large_record;
};

static uintptr_t slot_at(const struct jq_queue *q, int32_t slot) {
    return q->base + JQ_TABLE + (uintptr_t) slot * JQ_SLOT_LENGTH;
}

static uintptr_t mark_at(const struct jq_queue *q, int64_t position) {
    int64_t granule = (position >> 6) & (q->nmarks - 1);
    return q->marks + (uintptr_t) (((granule & 7) * (q->nmarks >> 3) + (granule >> 3)) * 8);
}

static int is_resolved(int64_t mark, int64_t position) {
    return mark == position || mark == (position | JQ_SKIP_RECORD) || mark == (position | JQ_SKIP_GRANULE);
}

/* WakeChannel.wake_if_waiting for the space channel. */
static void space_wake_if_waiting(const struct jq_queue *q) {
    uintptr_t b = q->base;
    if (jq_load32(b + JQ_SPACE_WAITERS) != 0 && jq_load32(b + JQ_SPACE_ARMED) != 0 && jq_cas32(b + JQ_SPACE_ARMED, 1, 0)) {
        jq_fetch_add32(b + JQ_SPACE_FUTEX, 1);
        jq_futex_wake(b + JQ_SPACE_FUTEX);
    }
}

/* ReaderTable.screens: the slot's reader screens a record of these names, as far as its summary says. */
static int screens(uintptr_t s, int64_t sender_hash, int64_t type_hash) {
    int32_t summary = jq_load32(s + JQ_SUMMARY);
    if (summary == -1) return 0;
    int senders = summary & 0xFF, types = (summary >> 8) & 0xFF;
    if (senders > JQ_SUMMARY_HASHES) senders = JQ_SUMMARY_HASHES;
    if (types > JQ_SUMMARY_HASHES) types = JQ_SUMMARY_HASHES;
    for (int i = 0; i < senders; i++) if (jq_read64(s + JQ_SENDER_HASHES + 8 * i) == sender_hash) return 1;
    for (int i = 0; i < types; i++) if (jq_read64(s + JQ_TYPE_HASHES + 8 * i) == type_hash) return 1;
    return 0;
}

/* SharedQueue._next_record: the position after the resolved record at `position`, or -1 if damaged. */
static int64_t next_record(const struct jq_queue *q, int64_t position) {
    int32_t length = (int32_t) jq_read64(q->ring + (uintptr_t) (position & (q->capacity - 1)));
    if (length < JQ_HEADER || length > q->capacity) return -1;
    return position + ((length + JQ_GRANULE - 1) & -JQ_GRANULE);
}

/* SharedQueue._wake_or_hand_on: the reader's bit if it is to be woken, else 0 (its wait handed on). */
static uint32_t wake_or_hand_on(const struct jq_queue *q, int32_t slot, int64_t position, int64_t sender,
                                int64_t type, int any) {
    uintptr_t s = slot_at(q, slot);
    int64_t at = position;
    for (;;) {
        int64_t next = any || !screens(s, sender, type) ? -1 : next_record(q, at);
        if (next < 0) return jq_cas32(s + JQ_ARMED, 1, 0) ? 1u << (slot & 31) : 0;
        if (!jq_cas64(s + JQ_WAIT_AT, at, next)) return 0;
        int64_t mark = jq_load64(mark_at(q, next));
        if (!is_resolved(mark, next)) return 0;
        at = next;
        any = mark != next;
        if (!any) {
            uintptr_t record = q->ring + (uintptr_t) (at & (q->capacity - 1));
            int64_t writer = jq_read64(record + 8);
            size_t sender_length = (size_t) ((writer >> 48) & 0xFF), type_length = (size_t) ((writer >> 56) & 0xFF);
            sender = jq_fnv1a64(record + JQ_HEADER, sender_length);
            type = jq_fnv1a64(record + JQ_HEADER + sender_length, type_length);
        }
    }
}

/* SharedQueue._wake_readers_waiting_at: one bump and one FUTEX_WAKE_BITSET for every reader chosen. */
static void wake_readers_waiting_at(const struct jq_queue *q, int64_t position, int64_t sender, int64_t type, int any) {
    int32_t high = jq_load32(q->base + JQ_HIGH_WATER);
    if (high < 0) high = 0;
    if (high > q->max_readers) high = q->max_readers;
    uint32_t bits = 0;
    for (int32_t slot = 0; slot < high; slot++) {
        uintptr_t s = slot_at(q, slot);
        if ((jq_load64(s + JQ_SLOT_WORD) & 0xFFFFFFFF) == 0) continue; /* free */
        if (jq_load32(s + JQ_ARMED) != 0 && jq_load64(s + JQ_WAIT_AT) == position) {
            bits |= wake_or_hand_on(q, slot, position, sender, type, any);
        }
    }
    if (bits) {
        jq_fetch_add32(q->base + JQ_MESSAGE_FUTEX, 1);
        jq_futex_wake_bitset(q->base + JQ_MESSAGE_FUTEX, bits);
    }
}

/* MessageWriter.append's common case, in one call: SharedQueue.try_claim with the head cache as it is
 * (floor release-stored, then the tail's CAS), the header and the three strings with plain stores, the
 * registration checked (a seq_cst load of the slot word), then publish_and_end_claim (mark release-stored,
 * floor cleared with a release store, one full fence, the space channel's wake-up, the readers' wake-up).
 * Returns the position published (>= 0); -1 if nothing was claimed (a tail that is not a record boundary,
 * a head cache with no room or ahead of the tail: the floor is left clear, and the caller's slow path
 * decides); or -(position + 2) if the record was claimed and written but the registration is lost (evicted,
 * or removed): the caller then skips the record (skip_own_record_and_end_claim) and says so. */
static int64_t jq_append(const struct jq_queue *q, int32_t slot, int32_t lane, int64_t expected_word,
                         int32_t generation, const char *sender, int32_t sender_length, int64_t sender_hash,
                         const char *type, int32_t type_length, int64_t type_hash, const char *body,
                         int64_t body_length) {
    int64_t record_length = JQ_HEADER + sender_length + type_length + body_length;
    int64_t aligned = (record_length + JQ_GRANULE - 1) & -JQ_GRANULE;
    uintptr_t s = slot_at(q, slot), floor = s + JQ_FLOORS + 8 * (uintptr_t) lane;
    int64_t tail;
    for (;;) {
        tail = jq_load64(q->base + JQ_TAIL);
        if (tail < 0 || (tail & (JQ_GRANULE - 1)) || tail > INT64_MAX - q->capacity) return -1;
        int64_t head = jq_load64(q->base + JQ_HEAD);
        if (head > tail || tail + aligned - head > q->capacity) {
            jq_store64_release(floor, JQ_NO_FLOOR);
            return -1;
        }
        jq_store64_release(floor, tail);
        if (jq_cas64(q->base + JQ_TAIL, tail, tail + aligned)) break;
    }
    uintptr_t record = q->ring + (uintptr_t) (tail & (q->capacity - 1));
    int64_t lengths = (int64_t) ((uint64_t) (uint32_t) record_length | (uint64_t) (uint32_t) body_length << 32);
    int64_t writer = (int64_t) ((uint64_t) (uint32_t) generation | (uint64_t) (uint16_t) slot << 32
                                | (uint64_t) (uint8_t) sender_length << 48 | (uint64_t) (uint8_t) type_length << 56);
    memcpy((void *) record, &lengths, 8);
    memcpy((void *) (record + 8), &writer, 8);
    memcpy((void *) (record + JQ_HEADER), sender, (size_t) sender_length);
    memcpy((void *) (record + JQ_HEADER + sender_length), type, (size_t) type_length);
    if (body_length) memcpy((void *) (record + JQ_HEADER + sender_length + type_length), body, (size_t) body_length);
    if (jq_load64(s + JQ_SLOT_WORD) != expected_word) return -(tail + 2);
    jq_store64_release(mark_at(q, tail), tail);
    jq_store64_release(floor, JQ_NO_FLOOR);
    jq_fence();
    space_wake_if_waiting(q);
    if (jq_load32(q->base + JQ_MESSAGE_WAITERS) != 0) wake_readers_waiting_at(q, tail, sender_hash, type_hash, 0);
    return tail;
}

/* What jq_next found. */
struct jq_found {
    int64_t position;    /* the record delivered, or where the reader stopped */
    int64_t next;        /* the position after the record delivered */
    uintptr_t names;     /* address of its sender bytes, then type bytes, then body */
    int32_t sender_length;
    int32_t type_length;
    int32_t body_length;
    int32_t unused;
};

/* 1 if `name` (n bytes) is one of the packed names: [length byte, bytes] repeated, `packed_length` bytes. */
static int screened(const unsigned char *packed, int64_t packed_length, uintptr_t name, size_t n) {
    for (int64_t i = 0; i < packed_length; ) {
        size_t length = packed[i];
        if (length == n && memcmp(packed + i + 1, (const void *) name, n) == 0) return 1;
        i += 1 + (int64_t) length;
    }
    return 0;
}

/* DeliveryGate.passes_over (gate.py), for MessageReader.isScreened: 1 if the reader in `reader_slot`
 * passes over the record at `position` written by `writer_slot`: the gate's window holds the position, and
 * neither is the gate's slot. State, window, state again (all seq_cst, Java's getVolatile), starting over if
 * the state moved (its count of takes included), so one holder's slot is never paired with another's
 * window. Read for every record looked at, so a gate taken while the reader waited applies to the next
 * record it looks at. */
static int passes_over(const struct jq_queue *q, int32_t reader_slot, int32_t writer_slot, int64_t position) {
    for (;;) {
        int64_t state = jq_load64(q->base + JQ_GATE_STATE);
        int32_t code = (int32_t) state; /* the low half; the high half counts the takes */
        if (code == 0 || code == JQ_GATE_TAKING) return 0;
        int64_t start = jq_load64(q->base + JQ_GATE_START), end = jq_load64(q->base + JQ_GATE_END);
        if (jq_load64(q->base + JQ_GATE_STATE) != state) continue; /* a new window meanwhile: read it again */
        int32_t gate_slot = (code < 0 ? -code : code) - 1;
        int holder_reads = code > 0 && reader_slot == gate_slot;
        return !holder_reads && writer_slot != gate_slot && position >= start && position < end;
    }
}

/* MessageReader.poll's search for the next record to deliver for the reader in `slot`, from `cursor`:
 * passes skip-granule marks, skip-record marks, records the delivery gate holds back (passes_over()) and
 * records the screens (packed names, see screened()) hold, validating every header first (RecordView.wrap;
 * and a record longer than large_record must end at or before the tail). Returns 1 with the record in *out
 * (mark acquire-loaded; the header's fields read with plain loads); 0 if the record at out->position is not
 * resolved yet (or a lap of records was passed: call again); -1 if the header at out->position is
 * impossible, -2 if that record runs past the tail. out->position is the reader's new cursor in every case. */
static int jq_next(const struct jq_queue *q, int32_t slot, int64_t cursor, const char *sender_screen,
                   int64_t sender_screen_length, const char *type_screen, int64_t type_screen_length,
                   struct jq_found *out) {
    for (int64_t steps = 0; steps < q->nmarks; steps++) {
        out->position = cursor;
        int64_t mark = jq_load64_acquire(mark_at(q, cursor));
        if (!is_resolved(mark, cursor)) return 0;
        if (mark == (cursor | JQ_SKIP_GRANULE)) {
            cursor += JQ_GRANULE;
            continue;
        }
        uintptr_t record = q->ring + (uintptr_t) (cursor & (q->capacity - 1));
        int64_t lengths = jq_read64(record), writer = jq_read64(record + 8);
        int32_t record_length = (int32_t) lengths, body_length = (int32_t) (lengths >> 32);
        int32_t sender_length = (int32_t) ((writer >> 48) & 0xFF), type_length = (int32_t) ((writer >> 56) & 0xFF);
        if (!(record_length >= JQ_HEADER && record_length <= q->capacity && body_length >= 0
              && (int64_t) JQ_HEADER + sender_length + type_length + body_length == record_length)) return -1;
        int64_t following = cursor + ((record_length + JQ_GRANULE - 1) & -JQ_GRANULE);
        if (record_length > q->large_record && following > jq_load64(q->base + JQ_TAIL)) return -2;
        if (mark == (cursor | JQ_SKIP_RECORD)
            || passes_over(q, slot, (int32_t) ((writer >> 32) & 0xFFFF), cursor)
            || screened((const unsigned char *) sender_screen, sender_screen_length, record + JQ_HEADER, (size_t) sender_length)
            || screened((const unsigned char *) type_screen, type_screen_length, record + JQ_HEADER + sender_length,
                        (size_t) type_length)) {
            cursor = following;
            continue;
        }
        out->next = following;
        out->names = record + JQ_HEADER;
        out->sender_length = sender_length;
        out->type_length = type_length;
        out->body_length = body_length;
        return 1;
    }
    out->position = cursor;
    return 0;
}

/* After the bytes of a record were read: a full fence (Java's acquireFence, which keeps the reads before
 * it), then the registration's check (bytes read are valid only if it still held its cursor). With
 * `store`, then stores the cursor (seq_cst, ReaderTable.store_cursor) and wakes writers waiting for room.
 * Returns 0, or -1 if the registration is lost (nothing stored). */
static int jq_after_read(const struct jq_queue *q, int32_t slot, int64_t expected_word, int64_t cursor, int store) {
    uintptr_t s = slot_at(q, slot);
    jq_fence();
    if (jq_load64(s + JQ_SLOT_WORD) != expected_word) return -1;
    if (store) {
        jq_store64(s + JQ_CURSOR, cursor);
        space_wake_if_waiting(q);
    }
    return 0;
}

/* MessageReader._next_record_resolved without the closing flag (the caller's): 1 if the record at
 * `cursor` is resolved, 0 if not, -1 if the registration is lost. */
static int jq_ready(const struct jq_queue *q, int32_t slot, int64_t expected_word, int64_t cursor) {
    if (jq_load64(slot_at(q, slot) + JQ_SLOT_WORD) != expected_word) return -1;
    return is_resolved(jq_load64(mark_at(q, cursor)), cursor);
}

/* One round of Waiter._spin_then_sleep's sleeping loop for a reader waiting at `cursor` (ReaderBed), after
 * the caller's between-sleeps work: reads the sequence, counts itself on the channel and in its slot, arms
 * (wait position, then armed flag), checks the condition (registered, record resolved), sleeps on its bit
 * for at most `nanos` if not, and takes its counts back. Returns 1 if the record is resolved, 0 to look
 * again (woken, timed out, interrupted), 2 if not resolved and `nanos` <= 0 (the deadline has passed: no
 * sleep), -1 if the registration is lost, or -errno on a futex failure. */
static int jq_reader_sleep(const struct jq_queue *q, int32_t slot, int64_t expected_word, int64_t cursor,
                           int64_t nanos) {
    uintptr_t s = slot_at(q, slot), word = q->base + JQ_MESSAGE_FUTEX;
    int32_t sequence = jq_load32(word);
    jq_fetch_add32(q->base + JQ_MESSAGE_WAITERS, 1);
    jq_fetch_add32(s + JQ_MESSAGE_SLEEPERS, 1);
    jq_store64(s + JQ_WAIT_AT, cursor);
    jq_store32(s + JQ_ARMED, 1);
    int result = jq_ready(q, slot, expected_word, cursor);
    int slept = 0;
    if (result == 0 && nanos <= 0) {
        result = 2;
    } else if (result == 0 && jq_load32(word) == sequence) { /* changed already: the kernel would say EAGAIN */
        int e = jq_futex_wait_bitset(word, sequence, nanos, 1u << (slot & 31));
        if (e != 0 && e != EAGAIN && e != ETIMEDOUT && e != EINTR) result = -e;
        slept = 1;
    }
    jq_fetch_add32(s + JQ_MESSAGE_SLEEPERS, -1);
    jq_fetch_add32(q->base + JQ_MESSAGE_WAITERS, -1);
    if (result == 0 && slept) result = jq_ready(q, slot, expected_word, cursor); /* the next round's first look */
    return result;
}
