package io.jsyncq;

/** A queue of that name exists already. */
public class QueueExistsException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates one with a message.
     *
     * @param message the queue name and file, and what to do
     */
    public QueueExistsException(String message) {
        super(message);
    }

    /**
     * Creates one with a message and a cause.
     *
     * @param message the queue name and file, and what to do
     * @param cause   the failure that led to this one; may be null
     */
    public QueueExistsException(String message, Throwable cause) {
        super(message, cause);
    }
}
