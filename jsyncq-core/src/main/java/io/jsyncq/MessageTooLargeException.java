package io.jsyncq;

/** The message can never fit in this queue, whatever the wait. */
public class MessageTooLargeException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates one with a message.
     *
     * @param message the message's size, the largest body that fits, and what to do
     */
    public MessageTooLargeException(String message) {
        super(message);
    }

    /**
     * Creates one with a message and a cause.
     *
     * @param message the message's size, the largest body that fits, and what to do
     * @param cause   the failure that led to this one; may be null
     */
    public MessageTooLargeException(String message, Throwable cause) {
        super(message, cause);
    }
}
