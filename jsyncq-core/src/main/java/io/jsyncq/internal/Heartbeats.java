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
                registration.heartbeat();
                period = Math.min(period, registration.leaseNanos() / 4);
            }
            LockSupport.parkNanos(period == Long.MAX_VALUE ? 100_000_000L : Math.max(period, 1_000_000L));
        }
    }
}
