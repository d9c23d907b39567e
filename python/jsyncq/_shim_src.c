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
