package io.jsyncq.internal;

/**
 * How one registration behaves.
 *
 * @param sender    the sender name its messages carry
 * @param spinNanos how long a wait spins before sleeping
 * @param writeOnly a registration that only writes: no cursor of its holds space, and it cannot pop
 */
public record RegistrationSettings(String sender, long spinNanos, boolean writeOnly) {
}
