package io.jsyncq;

/**
 * The operating system refuses this process access to a queue's file: it belongs to another user and its
 * mode grants this one nothing. The message names the file's owner and mode, and what to do.
 */
public class QueueAccessDeniedException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates one with a message.
     *
     * @param message the file, its owner and mode, and what to do
     */
    public QueueAccessDeniedException(String message) {
        super(message);
    }
}
