package io.jsyncq.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The handful of Linux calls jsyncq needs, made through {@code java.lang.foreign}: opening and mapping the
 * queue file (so that the ring can be mapped twice, back to back), the futex system call, and the two kinds
 * of lock the kernel drops when their holder dies: open-file-description byte locks ({@code fcntl}
 * {@code F_OFD_SETLK}) and whole-file {@code flock}.
 *
 * <p>Every call captures {@code errno}; a failure becomes a {@link PosixException} naming the call and the
 * error. Nothing here knows about queues.
 */
public final class Posix {

    public static final int O_RDWR = 2;
    public static final int O_CLOEXEC = 0x80000;
    /** Refuse a symbolic link: the one open flag whose value differs between x86-64 and aarch64. */
    public static final int O_NOFOLLOW = System.getProperty("os.arch").equals("aarch64") ? 0x8000 : 0x20000;
    public static final int O_RDONLY = 0;
    public static final int O_CREAT = 0x40;
    public static final int ELOOP = 40;
    public static final int ENOENT = 2;
    public static final int EACCES = 13;
    public static final int EPERM = 1;
    public static final int EISDIR = 21;
    public static final int EFAULT = 14;

    public static final int PROT_NONE = 0;
    public static final int PROT_READ_WRITE = 1 | 2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_FIXED = 0x10;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;

    public static final int SEEK_END = 2;

    public static final int EAGAIN = 11;
    public static final int EINTR = 4;
    public static final int ETIMEDOUT = 110;

    private static final int F_OFD_GETLK = 36;
    private static final int F_OFD_SETLK = 37;
    private static final short F_WRLCK = 1;
    private static final short F_UNLCK = 2;
    private static final short SEEK_SET = 0;
    /**
     * {@code struct flock} on both 64-bit Linux ABIs: {@code short l_type, l_whence; off_t l_start, l_len;
     * pid_t l_pid;} padded to 32 bytes.
     */
    private static final long FLOCK_LENGTH = 32;
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;

    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_WAKE = 1;
    private static final int FUTEX_WAIT_BITSET = 9;
    private static final int FUTEX_WAKE_BITSET = 10;
    private static final int CLOCK_MONOTONIC = 1;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private static final long MAP_FAILED = -1L;
    private static final int SC_PAGESIZE = 30;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** {@code struct timespec { long tv_sec; long tv_nsec; }} on both 64-bit Linux ABIs. */
    public static final long TIMESPEC_SIZE = 16;

    // The downcalls, in groups made on first use: linking a handle takes milliseconds in a fresh JVM, and a
    // short command (bin/jsyncq ls, send) needs only some of them. Once a group's class is initialised its
    // handles are constants to the JIT, as static finals of Posix itself would be.

    private static final class FileCalls {
        /** {@code open(path, flags, mode)}: the mode is variadic, and read only with {@code O_CREAT}. */
        static final MethodHandle OPEN = downcall("open",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2),
                CAPTURE_ERRNO);
        static final MethodHandle CLOSE = downcall("close",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
        static final MethodHandle LSEEK = downcall("lseek",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class LockCalls {
        static final MethodHandle FCNTL_LOCK = downcall("fcntl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), Linker.Option.firstVariadicArg(2),
                CAPTURE_ERRNO);
        static final MethodHandle FLOCK = downcall("flock",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class MappingCalls {
        static final MethodHandle MMAP = downcall("mmap",
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
                CAPTURE_ERRNO);
        static final MethodHandle MUNMAP = downcall("munmap",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), CAPTURE_ERRNO);
        static final MethodHandle SYSCONF = downcall("sysconf",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
    }

    private static final class FutexCalls {
        /** {@code syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3)}: all six, which every op accepts. */
        static final MethodHandle FUTEX = downcall("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT),
                Linker.Option.firstVariadicArg(1), CAPTURE_ERRNO);
        static final MethodHandle CLOCK_GETTIME = downcall("clock_gettime",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }

    private static final class IdentityCalls {
        static final MethodHandle GETEUID = downcall("geteuid", FunctionDescriptor.of(JAVA_INT));
    }

    private static final long SYS_FUTEX = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> 202;
        case "aarch64", "arm64" -> 98;
        default -> -1;
    };

    private Posix() {
    }

    /** The size of a memory page, from {@code sysconf(_SC_PAGESIZE)}. */
    public static int pageSize() {
        try {
            return Math.toIntExact((long) MappingCalls.SYSCONF.invokeExact(SC_PAGESIZE));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The effective user id of this process. */
    public static int geteuid() {
        try {
            return (int) IdentityCalls.GETEUID.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int open(String path, int flags) {
        return open(path, flags, 0);
    }

    /** Opens {@code path}, creating it with {@code mode} (less the umask) if it does not exist. */
    public static int openOrCreate(String path, int flags, int mode) {
        return open(path, flags | O_CREAT, mode);
    }

    private static int open(String path, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) FileCalls.OPEN.invokeExact(state, arena.allocateFrom(path), flags, mode);
            if (fd < 0) {
                throw new PosixException("open(" + path + ")", errno(state));
            }
            return fd;
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Takes an open-file-description write lock on one byte of the file, without waiting. The lock belongs
     * to the open file description of {@code fd}: it conflicts with every other one (in this process or
     * another), is kept while the holder is stopped, and is dropped by the kernel when the description is
     * closed, which happens when the holder dies.
     *
     * @return true if this description now holds the lock; false if another holds it
     */
    public static boolean tryLockByte(int fd, long offset) {
        return fcntlLock(fd, F_OFD_SETLK, F_WRLCK, offset) == 0;
    }

    /** Releases a lock taken by {@link #tryLockByte} on the same description (no effect if not held). */
    public static void unlockByte(int fd, long offset) {
        int error = fcntlLock(fd, F_OFD_SETLK, F_UNLCK, offset);
        if (error != 0) {
            throw new PosixException("fcntl(F_OFD_SETLK, F_UNLCK)", error);
        }
    }

    /** True if an open file description other than {@code fd}'s holds a lock on the byte. */
    public static boolean isByteLockedByOther(int fd, long offset) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment lock = flockStruct(arena, F_WRLCK, offset);
            int result = (int) LockCalls.FCNTL_LOCK.invokeExact(state, fd, F_OFD_GETLK, lock);
            if (result != 0) {
                throw new PosixException("fcntl(F_OFD_GETLK)", errno(state));
            }
            return lock.get(ValueLayout.JAVA_SHORT, 0) != F_UNLCK;
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** @return 0, or the errno: {@link #EAGAIN} (or EACCES) when another description holds a conflicting lock */
    private static int fcntlLock(int fd, int command, short type, long offset) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int result = (int) LockCalls.FCNTL_LOCK.invokeExact(state, fd, command,
                    flockStruct(arena, type, offset));
            if (result == 0) {
                return 0;
            }
            int error = errno(state);
            if (error == EAGAIN || error == EACCES) {
                return error;
            }
            throw new PosixException("fcntl(F_OFD_SETLK)", error);
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static MemorySegment flockStruct(Arena arena, short type, long offset) {
        MemorySegment lock = arena.allocate(FLOCK_LENGTH, Long.BYTES); // zeroed: l_pid must be 0 for OFD locks
        lock.set(ValueLayout.JAVA_SHORT, 0, type);
        lock.set(ValueLayout.JAVA_SHORT, 2, SEEK_SET);
        lock.set(ValueLayout.JAVA_LONG, 8, offset);
        lock.set(ValueLayout.JAVA_LONG, 16, 1L);
        return lock;
    }

    /**
     * Takes an exclusive {@code flock} on the whole file without waiting (works on a descriptor opened
     * read-only). Like an OFD lock, it is kept while the holder is stopped and dropped when it dies.
     *
     * @return true if taken, false if another open file description holds it
     */
    public static boolean tryFlock(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int result = (int) LockCalls.FLOCK.invokeExact(state, fd, LOCK_EX | LOCK_NB);
            if (result == 0) {
                return true;
            }
            int error = errno(state);
            if (error == EAGAIN) {
                return false;
            }
            throw new PosixException("flock", error);
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int result = (int) FileCalls.CLOSE.invokeExact(state, fd);
            if (result != 0) {
                throw new PosixException("close", errno(state));
            }
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The length of the open file, read with {@code lseek(fd, 0, SEEK_END)}. */
    public static long fileLength(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long length = (long) FileCalls.LSEEK.invokeExact(state, fd, 0L, SEEK_END);
            if (length < 0) {
                throw new PosixException("lseek", errno(state));
            }
            return length;
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Returns the address of the new mapping. */
    public static long mmap(long address, long length, int protection, int flags, int fd, long fileOffset) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment result = (MemorySegment) MappingCalls.MMAP.invokeExact(
                    state, MemorySegment.ofAddress(address), length, protection, flags, fd, fileOffset);
            if (result.address() == MAP_FAILED) {
                throw new PosixException("mmap", errno(state));
            }
            return result.address();
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void munmap(long address, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int result = (int) MappingCalls.MUNMAP.invokeExact(state, MemorySegment.ofAddress(address), length);
            if (result != 0) {
                throw new PosixException("munmap", errno(state));
            }
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * {@code FUTEX_WAIT} on a shared (not process-private) futex word: sleeps while the word holds
     * {@code expected}, for at most the relative time in {@code timespec} ({@link MemorySegment#NULL}: no limit).
     *
     * <p>The word is passed as a bare address, not as a segment: a downcall holds the arena of every segment
     * it is passed until it returns, and a sleeping thread must not keep its queue from being closed. If the
     * word is unmapped meanwhile, the call fails with {@link #EFAULT} rather than touching anything.
     *
     * @param callState a segment of {@link #callStateSize()} bytes, reused to avoid allocating per wait
     * @return 0 when woken, or the errno: {@link #EAGAIN} (the word had changed), {@link #ETIMEDOUT},
     *         {@link #EINTR}, {@link #EFAULT}
     */
    public static int futexWait(long wordAddress, int expected, MemorySegment timespec, MemorySegment callState) {
        try {
            long result = (long) FutexCalls.FUTEX.invokeExact(callState, SYS_FUTEX, wordAddress, FUTEX_WAIT,
                    expected, timespec, MemorySegment.NULL, 0);
            return result == 0 ? 0 : errno(callState);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code FUTEX_WAKE} every process sleeping on a shared futex word, given by its address. */
    public static void futexWakeAll(long wordAddress, MemorySegment callState) {
        try {
            long ignoredWokenCount = (long) FutexCalls.FUTEX.invokeExact(callState, SYS_FUTEX, wordAddress,
                    FUTEX_WAKE, Integer.MAX_VALUE, MemorySegment.NULL, MemorySegment.NULL, 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * {@code FUTEX_WAIT_BITSET} on a shared futex word: sleeps while the word holds {@code expected}, for at
     * most {@code nanos}, and is woken only by a {@link #futexWakeBits} whose bits include one of
     * {@code bits}. The kernel takes an absolute {@code CLOCK_MONOTONIC} deadline here, which this call
     * computes into {@code timespec} (scratch memory of {@link #TIMESPEC_SIZE} bytes).
     *
     * @return as {@link #futexWait}
     */
    public static int futexWaitBits(long wordAddress, int expected, long nanos, int bits, MemorySegment timespec,
            MemorySegment callState) {
        try {
            int ignoredAlwaysZero = (int) FutexCalls.CLOCK_GETTIME.invokeExact(CLOCK_MONOTONIC, timespec);
            long deadline = timespec.get(JAVA_LONG, 8) + nanos;
            timespec.set(JAVA_LONG, 0, timespec.get(JAVA_LONG, 0) + deadline / NANOS_PER_SECOND);
            timespec.set(JAVA_LONG, 8, deadline % NANOS_PER_SECOND);
            long result = (long) FutexCalls.FUTEX.invokeExact(callState, SYS_FUTEX, wordAddress,
                    FUTEX_WAIT_BITSET, expected, timespec, MemorySegment.NULL, bits);
            return result == 0 ? 0 : errno(callState);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code FUTEX_WAKE_BITSET}: wakes every process sleeping on the word with a bit in {@code bits} (not 0). */
    public static void futexWakeBits(long wordAddress, int bits, MemorySegment callState) {
        try {
            long ignoredWokenCount = (long) FutexCalls.FUTEX.invokeExact(callState, SYS_FUTEX, wordAddress,
                    FUTEX_WAKE_BITSET, Integer.MAX_VALUE, MemorySegment.NULL, MemorySegment.NULL, bits);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static long callStateSize() {
        return CALL_STATE.byteSize();
    }

    private static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsupportedOperationException("the C library has no " + name + "()"));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }
}
