package io.jsyncq.internal;

/**
 * How one registration behaves: its sender name, how it waits, and how it judges crashed processes.
 *
 * @param sender           the sender name its messages carry
 * @param spinNanos        how long a wait spins before sleeping
 * @param leaseNanos       how long without a heartbeat before processes in other pid namespaces judge it dead
 * @param holeTimeoutNanos how long a reader waits at a claim with no header before skipping it as abandoned
 */
public record RegistrationSettings(String sender, long spinNanos, long leaseNanos, long holeTimeoutNanos) {
}
