package io.jsyncq.internal;

/** A Linux call failed; carries the call and its errno. */
public final class PosixException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public PosixException(String call, int errno) {
        super(call + " failed: errno " + errno);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }

    /** The errno with its meaning, for a message: "errno 24 (too many open files)". */
    public String describe() {
        String meaning = switch (errno) {
            case 1 -> "operation not permitted";
            case 2 -> "no such file or directory";
            case 12 -> "out of memory";
            case 13 -> "permission denied";
            case 21 -> "is a directory";
            case 22 -> "invalid argument";
            case 23, 24 -> "too many open files";
            case 27 -> "file too large";
            case 28 -> "no space left on the device";
            case 30 -> "read-only file system";
            case 40 -> "a symbolic link";
            default -> null;
        };
        return meaning == null ? "errno " + errno : "errno " + errno + " (" + meaning + ")";
    }
}
