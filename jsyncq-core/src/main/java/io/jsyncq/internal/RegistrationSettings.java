package io.jsyncq.internal;

/**
 * How one registration behaves.
 *
 * @param sender          the sender name its messages carry
 * @param spinNanos       how long a wait spins before sleeping
 * @param writeOnly       a registration that only writes: no cursor of its holds space, and it cannot pop
 * @param durable         parked, not freed, when its process ends; resumed by the next durable registration
 *                        of its name (design.md §6)
 * @param manualAcknowledge its cursor is stored only when its owner acknowledges a position, never by a pop
 */
public record RegistrationSettings(String sender, long spinNanos, boolean writeOnly, boolean durable,
                                   boolean manualAcknowledge) {

    /** A registration that is neither durable nor acknowledged by hand. */
    public RegistrationSettings(String sender, long spinNanos, boolean writeOnly) {
        this(sender, spinNanos, writeOnly, false, false);
    }
}
