package io.jsyncq.internal;

/**
 * How one registration behaves.
 *
 * @param sender    the sender name its messages carry
 * @param spinNanos how long a wait spins before sleeping
 */
public record RegistrationSettings(String sender, long spinNanos) {
}
