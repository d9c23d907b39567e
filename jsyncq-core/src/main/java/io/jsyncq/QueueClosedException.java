package io.jsyncq;

/** The handle was closed; register again to go on. */
public class QueueClosedException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates one with a message.
     *
     * @param message which queue the closed handle was on, and what to do
     */
    public QueueClosedException(String message) {
        super(message);
    }

    /**
     * Creates one with a message and a cause.
     *
     * @param message which queue the closed handle was on, and what to do
     * @param cause   the failure that led to this one; may be null
     */
    public QueueClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
