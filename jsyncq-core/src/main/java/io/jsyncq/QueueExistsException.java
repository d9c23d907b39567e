package io.jsyncq;

/** A queue of that name exists already. */
public class QueueExistsException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    public QueueExistsException(String message) {
        super(message);
    }

    public QueueExistsException(String message, Throwable cause) {
        super(message, cause);
    }
}
