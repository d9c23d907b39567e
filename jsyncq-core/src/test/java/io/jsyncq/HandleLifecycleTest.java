package io.jsyncq;

import io.jsyncq.testing.ChildJvm;
import io.jsyncq.testing.TestQueues;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A handle's life: failures half-way through an append, closing from other threads, what handlers may do. */
@Timeout(60)
class HandleLifecycleTest {

    private final String name = TestQueues.uniqueName("lifecycle");

    @AfterEach
    void removeLeftovers() {
        TestQueues.deleteIfLeft(name);
    }

    @Test
    void aBodyThatCannotBeReadFailsTheAppendAndLeavesTheQueueWorking() throws Exception {
        try (SyncQueue writer = SyncQueue.builder(name).size(4096).sender("w").create();
             SyncQueue reader = SyncQueue.builder(name).sender("r").open()) {
            MemorySegment closed;
            try (Arena arena = Arena.ofConfined()) {
                closed = arena.allocate(16);
            }
            assertThatThrownBy(() -> writer.append("t", closed)).isInstanceOf(IllegalStateException.class);
            try (Arena confined = Arena.ofConfined()) {
                MemorySegment otherThreads = confined.allocate(16);
                CompletableFuture<Void> elsewhere = CompletableFuture.runAsync(() -> writer.append("t", otherThreads));
                assertThatThrownBy(() -> elsewhere.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(WrongThreadException.class);
            }
            writer.append("t", "after the failures");
            assertThat(reader.pop(Duration.ofSeconds(1)).map(Message::text)).contains("after the failures");
        }
    }

    @Test
    void aHandlerThatThrowsLeavesItsMessageUnreadAndTheQueueWorking() {
        try (SyncQueue writer = SyncQueue.builder(name).size(4096).sender("w").create();
             SyncQueue reader = SyncQueue.builder(name).sender("r").open()) {
            writer.append("t", "first");
            assertThatThrownBy(() -> reader.pop(view -> {
                throw new IllegalStateException("handler failed");
            })).hasMessage("handler failed");
            assertThat(reader.pop().map(Message::text)).contains("first");
        }
    }

    @Test
    void handlersSeeTheSharedMemoryReadOnly() {
        try (SyncQueue writer = SyncQueue.builder(name).size(4096).sender("w").create();
             SyncQueue reader = SyncQueue.builder(name).sender("r").open()) {
            writer.append("t", "look, don't touch");
            assertThatThrownBy(() -> reader.pop(view -> view.buffer().set(ValueLayout.JAVA_BYTE, view.bodyOffset(), (byte) 0)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void closingFromAnotherThreadEndsAWaitingAppendAndPopPromptly() throws Exception {
        SyncQueue writer = SyncQueue.builder(name).size(4096).sender("w").create();
        try (SyncQueue holder = SyncQueue.builder(name).sender("holder").open()) {
            byte[] body = new byte[1000];
            while (true) {
                try {
                    writer.append("t", body);
                } catch (QueueFullException full) {
                    break;
                }
            }
            CompletableFuture<Void> append = CompletableFuture.runAsync(() -> writer.append("t", body, SyncQueue.FOREVER));
            CompletableFuture<Void> pop = CompletableFuture.runAsync(() -> {
                while (true) {
                    writer.pop(SyncQueue.FOREVER);
                }
            });
            Thread.sleep(200);
            long start = System.nanoTime();
            writer.close();
            assertThatThrownBy(() -> append.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(QueueClosedException.class);
            assertThatThrownBy(() -> pop.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(QueueClosedException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            // Its registration is gone, so its unread messages no longer hold the space.
            holder.stream().count();
            holder.append("t", body);
        }
        assertThat(TestQueues.exists(name)).isFalse();
    }

    /**
     * Appends and pops are not counted in and out, so a close lands anywhere in them: the mapping's close
     * must end them with the closed exception (never another failure, never a crash), and an append cut
     * between claim and publish must leave a hole the others step over, not a torn message or a wedged queue.
     */
    @Test
    void closingInTheMiddleOfBusyAppendsAndPopsEndsThemCleanlyAndLeavesTheQueueWhole() throws Exception {
        try (SyncQueue other = SyncQueue.builder(name).size(1 << 16).sender("other").create()) {
            long received = 0;
            for (int round = 0; round < 20; round++) {
                SyncQueue busy = SyncQueue.builder(name).sender("busy").filterSelf(false).open();
                CompletableFuture<Void> appends = onItsOwnThread(() -> {
                    byte[] body = new byte[200];
                    for (long i = 0; ; i++) {
                        java.util.Arrays.fill(body, (byte) i);
                        busy.tryAppend("t", body);
                    }
                });
                CompletableFuture<Void> pops = onItsOwnThread(() -> {
                    while (true) {
                        busy.poll(view -> { }, 16);
                    }
                });
                while (true) { // keep the ring from filling, and check every message whole
                    Optional<Message> message = other.pop(Duration.ofMillis(1));
                    if (message.isPresent()) {
                        byte[] body = message.get().body();
                        assertThat(body).hasSize(200).containsOnly(body[0]);
                        received++;
                    }
                    if (received > (round + 1) * 2_000L) {
                        break;
                    }
                }
                busy.close();
                assertThatThrownBy(() -> appends.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(QueueClosedException.class);
                assertThatThrownBy(() -> pops.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(QueueClosedException.class);
                while (other.pop().isPresent()) {
                    received++; // what was appended before the close
                }
            }
            other.append("t", "still working");
            try (SyncQueue late = SyncQueue.builder(name).sender("late").open()) {
                other.append("t", "after every close");
                assertThat(late.pop(Duration.ofSeconds(5)).map(Message::text)).contains("after every close");
            }
        }
        assertThat(TestQueues.exists(name)).isFalse();
    }

    /** The common pool may have a single thread here: two endless tasks need a thread each. */
    private static CompletableFuture<Void> onItsOwnThread(Runnable task) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                task.run();
                result.complete(null);
            } catch (Throwable failure) {
                result.completeExceptionally(failure);
            }
        });
        return result;
    }

    @Test
    void aHandlerMayCloseItsOwnHandle() {
        try (SyncQueue writer = SyncQueue.builder(name).size(4096).sender("w").create()) {
            SyncQueue reader = SyncQueue.builder(name).sender("r").open();
            writer.append("t", "goodbye");
            assertThat(reader.pop(view -> reader.close())).isTrue();
            assertThat(reader.isClosed()).isTrue();
            assertThatThrownBy(reader::pop).isInstanceOf(QueueClosedException.class);
            writer.append("t", "still fine");
        }
    }

    @Test
    void withoutNativeAccessOpeningFailsClearlyAndTheJdkPrintsNoWarning() {
        try (ChildJvm child = ChildJvm.start(List.of(), NativeAccessProbe.class, name)) {
            assertThat(child.waitFor(Duration.ofSeconds(60))).isZero();
            assertThat(child.stdout()).contains("--enable-native-access=ALL-UNNAMED");
            assertThat(child.stderr()).doesNotContain("WARNING");
        }
        assertThat(TestQueues.exists(name)).isFalse();
    }

    /** Runs in a JVM without native access: prints the error that opening a queue gives. */
    public static final class NativeAccessProbe {
        public static void main(String[] args) {
            try (SyncQueue queue = SyncQueue.create(args[0], 4096)) {
                System.out.println("unexpectedly opened " + queue);
            } catch (SyncQueueException expected) {
                System.out.println(expected.getMessage());
            }
        }
    }
}
