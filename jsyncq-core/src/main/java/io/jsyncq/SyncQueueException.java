package io.jsyncq;

/**
 * The root of every exception jsyncq throws. Unchecked, so that appends and pops compose with streams and
 * lambdas; each subclass names one cause and its message says what to do about it.
 */
public class SyncQueueException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SyncQueueException(String message) {
        super(message);
    }

    public SyncQueueException(String message, Throwable cause) {
        super(message, cause);
    }
}
