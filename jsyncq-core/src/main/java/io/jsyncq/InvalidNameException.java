package io.jsyncq;

/** A queue, sender or type name that jsyncq refuses. */
public class InvalidNameException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    public InvalidNameException(String message) {
        super(message);
    }

    public InvalidNameException(String message, Throwable cause) {
        super(message, cause);
    }
}
