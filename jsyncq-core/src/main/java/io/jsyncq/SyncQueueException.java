package io.jsyncq;

/**
 * The root of every exception jsyncq throws. Unchecked, so that appends and pops compose with streams and
 * lambdas; each subclass names one cause and its message says what to do about it.
 */
public class SyncQueueException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates one with a message.
     *
     * @param message what went wrong and what to do about it
     */
    public SyncQueueException(String message) {
        super(message);
    }

    /**
     * Creates one with a message and a cause.
     *
     * @param message what went wrong and what to do about it
     * @param cause   the failure that led to this one; may be null
     */
    public SyncQueueException(String message, Throwable cause) {
        super(message, cause);
    }
}
