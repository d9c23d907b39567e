package io.jsyncq;

/**
 * The queue judged this registration's process dead and reclaimed its registration (its heartbeat was
 * older than its lease, which happens to a live process only if it is stopped or starved for that long).
 * Messages it was appending were not delivered; open the queue again to go on.
 */
public class RegistrationLostException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    public RegistrationLostException(String message) {
        super(message);
    }
}
