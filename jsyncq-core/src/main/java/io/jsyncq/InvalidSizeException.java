package io.jsyncq;

/** A queue size or reader count that the format cannot hold or the machine cannot provide. */
public class InvalidSizeException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    public InvalidSizeException(String message) {
        super(message);
    }

    public InvalidSizeException(String message, Throwable cause) {
        super(message, cause);
    }
}
