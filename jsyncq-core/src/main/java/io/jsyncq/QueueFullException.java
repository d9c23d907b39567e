package io.jsyncq;

/** There is not room in the queue for the message, now or before the timeout passed. */
public class QueueFullException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    public QueueFullException(String message) {
        super(message);
    }

    public QueueFullException(String message, Throwable cause) {
        super(message, cause);
    }
}
