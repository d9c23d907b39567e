package io.jsyncq.internal;

/**
 * Decides whether the process that owns a reader slot is dead.
 *
 * <p>Where the owner shares this process's pid namespace, the kernel answers exactly: the owner is dead
 * when no process has its pid, or the process that has it started at another time (the pid was
 * recycled). Where it does not (containers sharing {@code /dev/shm}, where pids mean nothing across the
 * boundary), the owner is dead when its heartbeat is older than the lease it declared. A lease can be
 * wrong about an owner that is alive but stopped for longer than its lease; such an owner finds out on
 * its next operation ({@link io.jsyncq.RegistrationLostException}) and loses nothing silently.
 */
public final class Liveness {

    private Liveness() {
    }

    public static boolean isDead(ReaderTable table, int slot) {
        ProcessIdentity owner = new ProcessIdentity(table.pid(slot), table.startTime(slot), table.pidNamespace(slot));
        if (ProcessIdentity.current().canSeeByPid(owner)) {
            return !owner.isRunning();
        }
        return System.nanoTime() - table.heartbeatAcquire(slot) > table.lease(slot);
    }

    /** True when the slot's owner is judged by the kernel (pid and start time), not by a lease. */
    public static boolean provenByPid(ReaderTable table, int slot) {
        ProcessIdentity owner = new ProcessIdentity(table.pid(slot), table.startTime(slot), table.pidNamespace(slot));
        return ProcessIdentity.current().canSeeByPid(owner);
    }

    /** How the slot's owner is judged, for {@code stat}. */
    public static String method(ReaderTable table, int slot) {
        ProcessIdentity owner = new ProcessIdentity(table.pid(slot), table.startTime(slot), table.pidNamespace(slot));
        return ProcessIdentity.current().canSeeByPid(owner) ? "pid" : "lease";
    }
}
