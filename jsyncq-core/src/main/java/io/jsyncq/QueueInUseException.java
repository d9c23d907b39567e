package io.jsyncq;

/** A queue cannot be removed because processes that are alive are registered on it. */
public class QueueInUseException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates one with a message.
     *
     * @param message the live registrations, and what to do
     */
    public QueueInUseException(String message) {
        super(message);
    }
}
