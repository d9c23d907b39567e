package io.jsyncq.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Renews the lease of every open registration in this JVM from one daemon thread, a quarter of the
 * shortest lease apart, so that processes in other pid namespaces can tell it is alive.
 */
final class Heartbeats {

    private static final Set<Registration> OPEN = ConcurrentHashMap.newKeySet();
    private static volatile Thread thread;

    private Heartbeats() {
    }

    static void add(Registration registration) {
        OPEN.add(registration);
        startIfNeeded();
        LockSupport.unpark(thread); // its sleep may be longer than the new registration's lease allows
    }

    static void remove(Registration registration) {
        OPEN.remove(registration);
    }

    private static synchronized void startIfNeeded() {
        if (thread == null) {
            thread = Thread.ofPlatform().daemon().name("jsyncq-heartbeat").start(Heartbeats::run);
        }
    }

    private static void run() {
        while (true) {
            long period = Long.MAX_VALUE;
            for (Registration registration : OPEN) {
                try {
                    registration.heartbeat();
                } catch (Throwable failure) {
                    // One registration's trouble (say, the unlink of a last close that lands here) must not
                    // stop the heartbeats of the others; its own next operation reports it.
                }
                period = Math.min(period, registration.leaseNanos() / 4);
            }
            LockSupport.parkNanos(period == Long.MAX_VALUE ? 100_000_000L : Math.max(period, 1_000_000L));
        }
    }
}
