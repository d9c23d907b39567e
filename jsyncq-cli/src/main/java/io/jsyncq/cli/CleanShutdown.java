package io.jsyncq.cli;

import io.jsyncq.QueueInterruptedException;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Closes a queue registration cleanly when the JVM is asked to stop (Ctrl-C, SIGTERM), so that a stopped
 * {@code tail} or {@code send} does not hold space in the queue.
 *
 * <p>A registration must not be used by two threads at once, so the command thread opens it with
 * {@link #open}, does every queue operation through {@link #call}, and closes it with {@link #close()}, all
 * under one lock. On a signal the shutdown hook interrupts the command
 * thread (which ends a blocking pop or append), takes the lock, and closes the registration. A command
 * thread that is blocked elsewhere, such as reading stdin, does not hold the lock, so the hook closes the
 * registration at once.
 */
final class CleanShutdown implements AutoCloseable {

    /** Thrown in the command thread once a shutdown has begun. */
    static final class Stopping extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopping() {
            super("stopped by a signal", null, false, false);
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Thread worker = Thread.currentThread();
    private final Thread hook;
    private volatile AutoCloseable resource;
    private volatile boolean stopping;
    private volatile Runnable beforeClose = () -> { };
    private volatile Runnable afterClose = () -> { };

    CleanShutdown() {
        hook = new Thread(this::onShutdown, "jsyncq-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Opens what is to be closed on a signal (or by {@link #close()}), under the lock. */
    <T extends AutoCloseable> T open(Supplier<T> opener) {
        return call(() -> {
            T opened = opener.get();
            resource = opened;
            return opened;
        });
    }

    /** Extra work for the hook: before it closes the resource, and after. */
    void onSignal(Runnable beforeClose, Runnable afterClose) {
        this.beforeClose = beforeClose;
        this.afterClose = afterClose;
    }

    boolean stopping() {
        return stopping;
    }

    /** Runs one queue operation; throws {@link Stopping} if a shutdown has begun or interrupts it. */
    <T> T call(Supplier<T> operation) {
        lock.lock();
        try {
            if (stopping) {
                throw new Stopping();
            }
            return operation.get();
        } catch (QueueInterruptedException interrupted) {
            if (stopping) {
                throw new Stopping();
            }
            throw interrupted;
        } finally {
            lock.unlock();
        }
    }

    void run(Runnable operation) {
        call(() -> {
            operation.run();
            return null;
        });
    }

    private void onShutdown() {
        stopping = true;
        worker.interrupt();
        try {
            runQuietly(beforeClose);
            if (lock.tryLock(3, TimeUnit.SECONDS)) {
                try {
                    closeResource();
                } finally {
                    lock.unlock();
                }
            }
            runQuietly(afterClose);
        } catch (InterruptedException ignored) {
            // the JVM is going away in any case
        }
        System.out.flush();
    }

    private static void runQuietly(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException ignored) {
            // best effort while the JVM stops
        }
    }

    private void closeResource() {
        AutoCloseable toClose = resource;
        resource = null;
        if (toClose != null) {
            try {
                toClose.close();
            } catch (Exception e) {
                if (!stopping) {
                    throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
                }
                // best effort while the JVM stops
            }
        }
    }

    /** Closes the resource (under the lock, so never at the same time as the hook) and removes the hook. */
    @Override
    public void close() {
        lock.lock();
        try {
            closeResource();
        } finally {
            lock.unlock();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }
}
