package io.jsyncq.process;

import io.jsyncq.internal.QueueFile;
import io.jsyncq.internal.SharedQueue;
import io.jsyncq.internal.WakeChannel;
import io.jsyncq.testing.ChildJvm;
import io.jsyncq.testing.TestQueues;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/** Waiting for child processes' output, and looking into a queue's shared memory without registering. */
final class ProcessSupport {

    /**
     * Options for every child JVM of these tests. Besides native access: a waiting process normally wakes
     * every 10 ms to look at its interrupt flag, which would hide a lost futex wake-up behind a 10 ms poll;
     * a minute instead turns a lost wake-up into a wait that runs into its timeout and fails the test.
     */
    static final List<String> CHILD_JVM_OPTIONS = List.of("--enable-native-access=ALL-UNNAMED",
            "-Djsyncq.maxSleepMillis=60000");

    private ProcessSupport() {
    }

    static ChildJvm startChild(Class<?> mainClass, String... args) {
        return ChildJvm.start(CHILD_JVM_OPTIONS, mainClass, args);
    }

    /** Waits until the child has printed line number {@code index} (from 0) and returns it. */
    static String awaitLine(ChildJvm child, int index, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> lines = child.stdoutLines();
            if (lines.size() > index) {
                return lines.get(index);
            }
            if (!child.process().isAlive()) {
                lines = child.stdoutLines(); // it may have printed the line just before exiting
                if (lines.size() > index) {
                    return lines.get(index);
                }
                throw new AssertionError("child exited with " + child.process().exitValue() + " before " + what
                        + "\nstdout:\n" + child.stdout() + "\nstderr:\n" + child.stderr());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("no " + what + " within " + timeout + "\nstdout:\n" + child.stdout()
                        + "\nstderr:\n" + child.stderr());
            }
            sleep(10);
        }
    }

    /**
     * Waits until every child has exited with 0; fails as soon as one exits otherwise, or when the time is
     * up, with that child's output.
     */
    static void awaitAllSucceed(List<ChildJvm> children, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean allDone = true;
            for (ChildJvm child : children) {
                if (child.process().isAlive()) {
                    allDone = false;
                } else if (child.process().exitValue() != 0) {
                    child.waitForSuccess(Duration.ZERO); // fails, showing its output
                }
            }
            if (allDone) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                StringBuilder report = new StringBuilder("children still running after " + timeout + ":");
                for (ChildJvm child : children) {
                    if (child.process().isAlive()) {
                        report.append("\n--- pid ").append(child.pid()).append(" ").append(child.process().info()
                                .arguments().map(a -> String.join(" ", a)).orElse("")).append("\nstdout:\n")
                                .append(child.stdout()).append("\nstderr:\n").append(child.stderr());
                    }
                }
                throw new AssertionError(report);
            }
            sleep(50);
        }
    }

    /**
     * Waits until some process sleeps on the queue's futex for messages (readers) or for space (writers):
     * proof that a later wake-up comes from the futex protocol, not from a wait that never started. Maps the
     * queue file without registering on it, so the look holds no space and counts as no process.
     */
    static void awaitSleeper(String queueName, Function<SharedQueue, WakeChannel> channel, Duration timeout) {
        QueueFile file = QueueFile.attach(TestQueues.SHM, queueName);
        try {
            WakeChannel wakeChannel = channel.apply(new SharedQueue(file));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (wakeChannel.waitersVolatile() < 1) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("no process went to sleep on queue " + queueName + " within " + timeout);
                }
                sleep(2);
            }
        } finally {
            file.unmap();
        }
    }

    /** The codes a stress-test reader wrote to its order file. */
    static int[] readOrder(Path file) throws IOException {
        IntBuffer ints = ByteBuffer.wrap(Files.readAllBytes(file)).asIntBuffer();
        int[] codes = new int[ints.remaining()];
        ints.get(codes);
        return codes;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
