package io.jsyncq;

/** The file is not a jsyncq queue, is of another layout version, or is damaged. */
public class IncompatibleQueueException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    public IncompatibleQueueException(String message) {
        super(message);
    }

    public IncompatibleQueueException(String message, Throwable cause) {
        super(message, cause);
    }
}
