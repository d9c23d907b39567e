package io.jsyncq;

/**
 * This registration no longer belongs to the queue: an operator evicted it ({@link QueueAdmin#evict}),
 * usually because it held writers back, or removed the queue while it was registered
 * ({@link QueueAdmin#remove} with force). Its unread messages are dropped; a message it was appending at
 * that moment was not delivered. A live process is never taken for dead, so nothing else causes this.
 * Open the queue again to go on.
 */
public class RegistrationLostException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates one with a message.
     *
     * @param message why the registration was lost, and what to do
     */
    public RegistrationLostException(String message) {
        super(message);
    }
}
