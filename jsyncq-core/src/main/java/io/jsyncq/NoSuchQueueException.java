package io.jsyncq;

/** No queue of that name exists. */
public class NoSuchQueueException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    public NoSuchQueueException(String message) {
        super(message);
    }

    public NoSuchQueueException(String message, Throwable cause) {
        super(message, cause);
    }
}
