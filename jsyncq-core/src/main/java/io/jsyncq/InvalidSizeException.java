package io.jsyncq;

/** A queue size or reader count that the format cannot hold or the machine cannot provide. */
public class InvalidSizeException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates one with a message.
     *
     * @param message which value, and the range allowed
     */
    public InvalidSizeException(String message) {
        super(message);
    }

    /**
     * Creates one with a message and a cause.
     *
     * @param message which value, and the range allowed
     * @param cause   the failure that led to this one; may be null
     */
    public InvalidSizeException(String message, Throwable cause) {
        super(message, cause);
    }
}
