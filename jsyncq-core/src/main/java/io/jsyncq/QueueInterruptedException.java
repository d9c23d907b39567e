package io.jsyncq;

/** A wait was ended by {@link Thread#interrupt()}; the thread's interrupt flag is set again. */
public class QueueInterruptedException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    public QueueInterruptedException(String message) {
        super(message);
    }

    public QueueInterruptedException(String message, Throwable cause) {
        super(message, cause);
    }
}
