package io.jsyncq;

/** A queue, sender or type name that jsyncq refuses. */
public class InvalidNameException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates one with a message.
     *
     * @param message which name, what is wrong with it, and which names are allowed
     */
    public InvalidNameException(String message) {
        super(message);
    }

    /**
     * Creates one with a message and a cause.
     *
     * @param message which name, what is wrong with it, and which names are allowed
     * @param cause   the failure that led to this one; may be null
     */
    public InvalidNameException(String message, Throwable cause) {
        super(message, cause);
    }
}
