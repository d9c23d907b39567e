package io.jsyncq;

/** A wait was ended by {@link Thread#interrupt()}; the thread's interrupt flag is set again. */
public class QueueInterruptedException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates one with a message.
     *
     * @param message what the thread was waiting for
     */
    public QueueInterruptedException(String message) {
        super(message);
    }

    /**
     * Creates one with a message and a cause.
     *
     * @param message what the thread was waiting for
     * @param cause   the failure that led to this one; may be null
     */
    public QueueInterruptedException(String message, Throwable cause) {
        super(message, cause);
    }
}
