package io.jsyncq;

/** The file is not a jsyncq queue, is of another layout version, or is damaged. */
public class IncompatibleQueueException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates one with a message.
     *
     * @param message which file, what is wrong with it, and what to do
     */
    public IncompatibleQueueException(String message) {
        super(message);
    }

    /**
     * Creates one with a message and a cause.
     *
     * @param message which file, what is wrong with it, and what to do
     * @param cause   the failure that led to this one; may be null
     */
    public IncompatibleQueueException(String message, Throwable cause) {
        super(message, cause);
    }
}
