package io.jsyncq;

/** There is not room in the queue for the message, now or before the timeout passed. */
public class QueueFullException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates one with a message.
     *
     * @param message the room needed and free, the slowest reader, and what to do
     */
    public QueueFullException(String message) {
        super(message);
    }

    /**
     * Creates one with a message and a cause.
     *
     * @param message the room needed and free, the slowest reader, and what to do
     * @param cause   the failure that led to this one; may be null
     */
    public QueueFullException(String message, Throwable cause) {
        super(message, cause);
    }
}
