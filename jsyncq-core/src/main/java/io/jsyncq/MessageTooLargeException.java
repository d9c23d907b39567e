package io.jsyncq;

/** The message can never fit in this queue, whatever the wait. */
public class MessageTooLargeException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    public MessageTooLargeException(String message) {
        super(message);
    }

    public MessageTooLargeException(String message, Throwable cause) {
        super(message, cause);
    }
}
