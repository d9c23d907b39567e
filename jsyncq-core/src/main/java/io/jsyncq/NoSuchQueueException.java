package io.jsyncq;

/** No queue of that name exists. */
public class NoSuchQueueException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates one with a message.
     *
     * @param message the queue name and directory, and what to do
     */
    public NoSuchQueueException(String message) {
        super(message);
    }

    /**
     * Creates one with a message and a cause.
     *
     * @param message the queue name and directory, and what to do
     * @param cause   the failure that led to this one; may be null
     */
    public NoSuchQueueException(String message, Throwable cause) {
        super(message, cause);
    }
}
