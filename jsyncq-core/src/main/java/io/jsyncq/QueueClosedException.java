package io.jsyncq;

/** The handle was closed; register again to go on. */
public class QueueClosedException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    public QueueClosedException(String message) {
        super(message);
    }

    public QueueClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
