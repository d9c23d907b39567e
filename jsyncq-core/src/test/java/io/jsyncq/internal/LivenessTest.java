package io.jsyncq.internal;

import io.jsyncq.SyncQueue;
import io.jsyncq.testing.TestQueues;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;

/** How the owner of a reader slot is judged alive or dead, including the cases a test cannot stage for real. */
class LivenessTest {

    private final String name = TestQueues.uniqueName("liveness");

    @AfterEach
    void removeLeftovers() {
        TestQueues.deleteIfLeft(name);
    }

    @Test
    void aLiveProcessInThisNamespaceIsAlive() {
        withSlot(ProcessIdentity.current(), 1_000_000_000L, (queue, slot) ->
                assertThat(Liveness.isDead(queue.readers(), slot)).isFalse());
    }

    @Test
    void aRecycledPidIsDead() {
        ProcessIdentity me = ProcessIdentity.current();
        ProcessIdentity earlierOwnerOfMyPid = new ProcessIdentity(me.pid(), me.startTime() - 1, me.pidNamespace());
        withSlot(earlierOwnerOfMyPid, 1_000_000_000L, (queue, slot) ->
                assertThat(Liveness.isDead(queue.readers(), slot)).isTrue());
    }

    @Test
    void aPidThatNoProcessHasIsDead() {
        ProcessIdentity me = ProcessIdentity.current();
        withSlot(new ProcessIdentity(Integer.MAX_VALUE - 1, 12345, me.pidNamespace()), 1_000_000_000L,
                (queue, slot) -> assertThat(Liveness.isDead(queue.readers(), slot)).isTrue());
    }

    @Test
    void inAnotherNamespaceTheHeartbeatLeaseDecides() {
        ProcessIdentity me = ProcessIdentity.current();
        ProcessIdentity elsewhere = new ProcessIdentity(1, me.startTime(), me.pidNamespace() + 1);
        withSlot(elsewhere, 200_000_000L, (queue, slot) -> {
            ReaderTable table = queue.readers();
            assertThat(Liveness.method(table, slot)).isEqualTo("lease");
            assertThat(Liveness.isDead(table, slot)).isFalse(); // heartbeat written at registration
            long slotOffset = ReaderSlotLayout.slotOffset(slot);
            queue.memory().set(ValueLayout.JAVA_LONG, slotOffset + ReaderSlotLayout.HEARTBEAT_OFFSET,
                    System.nanoTime() - 300_000_000L);
            assertThat(Liveness.isDead(table, slot)).isTrue();
            table.heartbeat(slot);
            assertThat(Liveness.isDead(table, slot)).isFalse();
        });
    }

    @Test
    void reclaimingADeadRegistrationFreesItsSlotCountAndSleepers() {
        try (SyncQueue owner = SyncQueue.builder(name).size(4096).create()) {
            QueueFile file = QueueFile.attach(SyncQueue.defaultDirectory(), name);
            try {
                SharedQueue queue = new SharedQueue(file);
                assertThat(queue.tryAddRegistration()).isTrue();
                ProcessIdentity me = ProcessIdentity.current();
                ReaderTable.Taken ghost = queue.registerReader(
                        new ProcessIdentity(me.pid(), me.startTime() - 1, me.pidNamespace()), new byte[0], 1_000_000_000L);
                queue.readers().addSleeper(ghost.slot(), false, 1);
                queue.messages().addWaiter(1); // as if it died asleep
                assertThat(queue.registrationCount()).isEqualTo(2);

                assertThat(new CrashRecovery(queue).reclaimDeadReaders(-1)).isEqualTo(1);
                assertThat(ReaderSlotLayout.state(queue.readers().slotWordVolatile(ghost.slot())))
                        .isEqualTo(ReaderSlotLayout.STATE_FREE);
                assertThat(queue.registrationCount()).isEqualTo(1);
                assertThat(queue.messages().waitersVolatile()).isZero();
                assertThat(new CrashRecovery(queue).reclaimDeadReaders(-1)).isZero(); // the owner is alive
            } finally {
                file.unmap();
            }
        }
        assertThat(TestQueues.exists(name)).isFalse();
    }

    @Test
    void aReclaimedOwnerCannotMoveTheCursorOfTheRegistrationThatTookItsSlot() {
        try (SyncQueue keeper = SyncQueue.builder(name).size(4096).create()) {
            QueueFile file = QueueFile.attach(SyncQueue.defaultDirectory(), name);
            try {
                SharedQueue queue = new SharedQueue(file);
                ProcessIdentity me = ProcessIdentity.current();
                ReaderTable.Taken old = queue.registerReader(me, new byte[0], 1_000_000_000L);
                long oldWord = queue.readers().cursorWordVolatile(old.slot());
                assertThat(queue.readers().free(old.slot(), old.word())).isTrue(); // reclaimed
                ReaderTable.Taken taken = queue.registerReader(me, new byte[0], 1_000_000_000L);
                assertThat(taken.slot()).isEqualTo(old.slot());
                long stale = ReaderTable.cursorWord(64, old.word()); // the old owner moving on by one record
                assertThat(queue.storeCursor(old.slot(), oldWord, stale)).isFalse();
                assertThat(queue.readers().cursorWordVolatile(taken.slot())).isNotEqualTo(stale);
                queue.unregisterReader(taken.slot(), taken.word());
            } finally {
                file.unmap();
            }
        }
    }

    private interface SlotCheck {
        void check(SharedQueue queue, int slot);
    }

    private void withSlot(ProcessIdentity owner, long leaseNanos, SlotCheck check) {
        try (SyncQueue keeper = SyncQueue.builder(name).size(4096).create()) {
            QueueFile file = QueueFile.attach(SyncQueue.defaultDirectory(), name);
            try {
                SharedQueue queue = new SharedQueue(file);
                ReaderTable.Taken taken = queue.registerReader(owner, new byte[0], leaseNanos);
                check.check(queue, taken.slot());
                queue.unregisterReader(taken.slot(), taken.word());
            } finally {
                file.unmap();
            }
        }
    }
}
