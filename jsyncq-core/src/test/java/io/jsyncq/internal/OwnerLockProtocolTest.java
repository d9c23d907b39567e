package io.jsyncq.internal;

import io.jsyncq.IncompatibleQueueException;
import io.jsyncq.SyncQueue;
import io.jsyncq.testing.TestQueues;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.jsyncq.internal.QueueLayout.GRANULE;
import static io.jsyncq.internal.QueueLayout.MARK_SKIP_GRANULE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The protocol's steps one at a time, in one JVM. Each {@link QueueFile} here is its own open file
 * description, and open-file-description locks conflict between descriptions even within one process:
 * so each stands for a process, and closing one is that process's death as the kernel sees it (its
 * locks go; its pid, here this JVM's, stays alive). The multi-process tests stage the same with real
 * processes; these pin the individual rules.
 */
@Timeout(60)
class OwnerLockProtocolTest {

    private static final Path DIR = SyncQueue.defaultDirectory();
    private static final byte[] SENDER = "p".getBytes();

    private final String name = TestQueues.uniqueName("protocol");
    private final List<QueueFile> open = new ArrayList<>();

    @AfterEach
    void unmapAndRemove() {
        open.forEach(file -> {
            try {
                file.unmap();
            } catch (RuntimeException alreadyUnmapped) {
                // a "process" the test killed
            }
        });
        TestQueues.deleteIfLeft(name);
    }

    /** A process: its own open file description of the queue file. */
    private SharedQueue process() {
        QueueFile file = open.isEmpty()
                ? QueueFile.create(DIR, name, 4096, 8, QueueLayout.FLAG_KEEP, false)
                : QueueFile.attach(DIR, name);
        open.add(file);
        return new SharedQueue(file);
    }

    private ReaderTable.Taken register(SharedQueue process) {
        return process.registerReader(ProcessIdentity.current(), SENDER);
    }

    private static void die(SharedQueue process) {
        process.file().unmap(); // closes the description: the kernel drops its locks, as at death
    }

    @Test
    void deathIsTheOwnerLockNotThePid() {
        SharedQueue dying = process();
        SharedQueue judge = process();
        ReaderTable.Taken taken = register(dying);
        assertThat(new CrashRecovery(judge).reclaimDeadReaders(-1)).as("alive: it holds its lock").isZero();

        die(dying); // same pid, same start time, still running: only the lock is gone
        assertThat(new CrashRecovery(judge).reclaimDeadReaders(-1)).isEqualTo(1);
        assertThat(ReaderSlotLayout.state(judge.readers().slotWordVolatile(taken.slot())))
                .isEqualTo(ReaderSlotLayout.STATE_FREE);
        assertThat(judge.registrationCount()).isZero();
        assertThat(judge.readersReclaimed()).isEqualTo(1);
    }

    @Test
    void aSlotWhoseLockIsHeldIsNeverReclaimedWhateverItsWordSays() {
        SharedQueue dying = process();
        SharedQueue registrant = process();
        SharedQueue judge = process();
        ReaderTable.Taken dead = register(dying);
        die(dying);
        // A registering process takes the dead slot's lock (to reclaim it, or after a reclaim, to take it):
        // from then on, the slot is its, whatever identity the slot's fields still hold.
        assertThat(registrant.locks().tryLock(dead.slot())).isTrue();
        assertThat(new CrashRecovery(judge).reclaimDeadReaders(-1)).isZero();
        assertThat(judge.readers().slotWordVolatile(dead.slot())).isEqualTo(dead.word());

        registrant.locks().unlock(dead.slot());
        assertThat(new CrashRecovery(judge).reclaimDeadReaders(-1)).isEqualTo(1);
    }

    @Test
    void registrationSkipsASlotWhoseLockAnotherHolds() {
        SharedQueue holder = process();
        SharedQueue joining = process();
        assertThat(holder.locks().tryLock(0)).isTrue(); // slot 0 is free but locked: someone is taking it
        ReaderTable.Taken taken = register(joining);
        assertThat(taken.slot()).isEqualTo(1);
        assertThat(holder.locks().isHeldByOther(1)).isTrue();
    }

    @Test
    void aHoleIsWaitedAtWhileItsWriterLivesAndSkippedAtOnceWhenItDies() {
        SharedQueue writer = process();
        SharedQueue reader = process();
        ReaderTable.Taken writerSlot = register(writer);
        ReaderTable.Taken readerSlot = register(reader);
        long position = writer.tryClaim(GRANULE, writerSlot.slot(), 0); // claimed, nothing written
        CrashRecovery recovery = new CrashRecovery(reader);
        assertThat(recovery.repairHole(position, readerSlot.slot())).as("a live writer's claim").isFalse();
        assertThat(reader.markVolatile(position)).isNotEqualTo(position | MARK_SKIP_GRANULE);

        die(writer);
        assertThat(recovery.repairHole(position, readerSlot.slot())).isTrue();
        assertThat(reader.markVolatile(position)).isEqualTo(position | MARK_SKIP_GRANULE);
        assertThat(reader.holesRepaired()).isEqualTo(1);
        assertThat(reader.readersReclaimed()).as("the dead writer was reclaimed on the way").isEqualTo(1);
    }

    @Test
    void skippingADeadClaimStopsAtTheNextLiveClaim() {
        SharedQueue dead = process();
        SharedQueue live = process();
        SharedQueue reader = process();
        ReaderTable.Taken deadSlot = register(dead);
        ReaderTable.Taken liveSlot = register(live);
        ReaderTable.Taken readerSlot = register(reader);
        long deadClaim = dead.tryClaim(2 * GRANULE, deadSlot.slot(), 0);
        long liveClaim = live.tryClaim(GRANULE, liveSlot.slot(), 0); // claimed, header not yet written
        die(dead);

        assertThat(new CrashRecovery(reader).repairHole(deadClaim, readerSlot.slot())).isTrue();
        assertThat(reader.markVolatile(deadClaim)).isEqualTo(deadClaim | MARK_SKIP_GRANULE);
        assertThat(reader.markVolatile(deadClaim + GRANULE)).isEqualTo((deadClaim + GRANULE) | MARK_SKIP_GRANULE);
        assertThat(SharedQueue.isResolved(reader.markVolatile(liveClaim), liveClaim)).as("the live claim is untouched")
                .isFalse();
        live.publishAndEndClaim(liveClaim, 0, 0, liveSlot.slot(), 0);
        assertThat(reader.markAcquire(liveClaim)).isEqualTo(liveClaim);
    }

    @Test
    void aLappedReaderNeverRepairsOverANewerLap() {
        SharedQueue lapped = process();
        SharedQueue writer = process();
        ReaderTable.Taken lappedSlot = register(lapped);
        assertThat(writer.evict(lappedSlot.slot(), lappedSlot.word())).isTrue(); // its cursor stops counting
        ReaderTable.Taken writerSlot = register(writer);
        for (int i = 0; i <= 4096 / GRANULE; i++) { // one more than a ring: position 4096 reuses granule 0
            long claimed = writer.tryClaim(GRANULE, writerSlot.slot(), 0);
            writer.publishAndEndClaim(claimed, 0, 0, writerSlot.slot(), 0);
            writer.storeCursor(writerSlot.slot(), claimed + GRANULE);
        }
        assertThat(writer.markVolatile(0)).isEqualTo(4096);
        assertThatThrownBy(() -> new CrashRecovery(lapped).repairHole(0, lappedSlot.slot()))
                .isInstanceOf(IncompatibleQueueException.class);
        assertThat(writer.markVolatile(0)).as("the newer lap's record is untouched").isEqualTo(4096);
    }

    @Test
    void aClaimFloorHoldsTheHeadEvenWithNoCursorBeforeIt() {
        SharedQueue writer = process();
        SharedQueue other = process();
        ReaderTable.Taken writerSlot = register(writer);
        long position = writer.tryClaim(GRANULE, writerSlot.slot(), 3);
        // Evicted (as an operator would, while it is stopped): its cursor no longer counts, its floor does.
        assertThat(other.evict(writerSlot.slot(), writerSlot.word())).isTrue();
        ReaderTable.Taken otherSlot = register(other); // joins after the claim: its cursor is past it
        for (int i = 0; i < 4096 / GRANULE - 1; i++) {
            long claimed = other.tryClaim(GRANULE, otherSlot.slot(), 0);
            assertThat(claimed).isNotNegative();
            other.publishAndEndClaim(claimed, 0, 0, otherSlot.slot(), 0);
            other.storeCursor(otherSlot.slot(), claimed + GRANULE);
        }
        assertThat(other.refreshHeadCache()).isEqualTo(position);
        assertThat(other.tryClaim(GRANULE, otherSlot.slot(), 0)).as("the next lap would overwrite the claim")
                .isEqualTo(-1);

        writer.publishAndEndClaim(position, 0, 0, writerSlot.slot(), 3);
        assertThat(other.tryClaim(GRANULE, otherSlot.slot(), 0)).isEqualTo(position + 4096);
    }

    @Test
    @SuppressWarnings("try") // locks held, not used
    void theLockFileLivesAsLongAsTheQueueAndAWaiterOnADeletedOneStartsAgain() throws Exception {
        Path lockFile = NameLock.lockFile(DIR, name);
        try (NameLock lock = NameLock.acquire(DIR, name, NameLock.DEFAULT_WAIT_NANOS)) {
            assertThat(lockFile).exists();
        }
        assertThat(lockFile).as("no queue of that name: released and deleted").doesNotExist();

        process(); // the queue exists now
        NameLock first = NameLock.acquire(DIR, name, NameLock.DEFAULT_WAIT_NANOS);
        AtomicBoolean lockedANamedFile = new AtomicBoolean();
        Thread waiter = Thread.ofPlatform().start(() -> {
            try (NameLock second = NameLock.acquire(DIR, name, NameLock.DEFAULT_WAIT_NANOS)) {
                lockedANamedFile.set(java.nio.file.Files.exists(lockFile));
            }
        });
        Thread.sleep(50);
        assertThat(waiter.isAlive()).as("waits for the holder").isTrue();
        open.getFirst().unlink(); // the holder removes the queue, so its release deletes the lock file
        first.close();
        waiter.join(10_000);
        assertThat(waiter.isAlive()).isFalse();
        assertThat(lockedANamedFile).as("it locked the new lock file, not the deleted one").isTrue();
        assertThat(lockFile).doesNotExist();
    }
}
