package io.jsyncq.internal;

import java.util.concurrent.locks.LockSupport;

/**
 * The crash tests' way to stop or kill a process at an exact point of an append. Off unless the JVM starts
 * with {@code -Djsyncq.testing.stalls=true} (or sets that property before jsyncq's classes load): then
 * {@link #ENABLED} is a false constant, and the JIT drops every check from the append path.
 */
final class StallHook {

    static final boolean ENABLED = Boolean.getBoolean("jsyncq.testing.stalls");

    private record Request(Registration.StallPoint point, long millis) {
    }

    private static final ThreadLocal<Request> ARMED = new ThreadLocal<>();

    private StallHook() {
    }

    /** Arms the hook for this thread's next append: at {@code point}, halt ({@code millis < 0}) or park. */
    static void arm(Registration.StallPoint point, long millis) {
        if (!ENABLED) {
            throw new IllegalStateException("stall hooks are off: start the JVM with -Djsyncq.testing.stalls=true");
        }
        ARMED.set(new Request(point, millis));
    }

    static void disarm() {
        ARMED.remove();
    }

    /** Called by the append path at {@code here}, only when {@link #ENABLED}. */
    static void reached(Registration.StallPoint here) {
        Request request = ARMED.get();
        if (request == null || request.point != here) {
            return;
        }
        if (request.millis < 0) {
            Runtime.getRuntime().halt(99); // as a process killed here would: nothing runs after this
        }
        LockSupport.parkNanos(request.millis * 1_000_000);
    }
}
