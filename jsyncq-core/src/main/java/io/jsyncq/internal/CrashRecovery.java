package io.jsyncq.internal;

import static io.jsyncq.internal.QueueLayout.GRANULE;
import static io.jsyncq.internal.QueueLayout.MARK_CLAIMED;
import static io.jsyncq.internal.QueueLayout.MARK_SKIP_GRANULE;
import static io.jsyncq.internal.QueueLayout.MARK_STATE_MASK;
import static io.jsyncq.internal.ReaderSlotLayout.STATE_ACTIVE;
import static io.jsyncq.internal.ReaderSlotLayout.STATE_CLAIMED;
import static io.jsyncq.internal.ReaderSlotLayout.generation;
import static io.jsyncq.internal.ReaderSlotLayout.state;

import io.jsyncq.IncompatibleQueueException;

import java.lang.foreign.ValueLayout;

/**
 * Repairs what crashed processes leave behind, so that no crash wedges the queue.
 *
 * <p><b>Dead readers.</b> A registration whose process died never moves its cursor again, so writers
 * would wait for ever for the space it holds. When a writer finds no room, it checks the owner of every
 * registration ({@link Liveness}) and frees the slots of dead ones with a compare-and-set on the slot word,
 * which names one registration by its generation: of several processes repairing at once exactly one frees
 * each slot, and a slot freed and taken again in between is left alone. The winner also takes the dead
 * registration off the lifecycle count and takes its sleepers off the waiter counts, which it alone can
 * still know from the slot.
 *
 * <p><b>Dead writers.</b> A writer that died between claiming and publishing leaves a hole where every
 * reader waits. A reader that has waited at a claimed position checks its mark. If it says claimed, the
 * header is complete (it was written before the mark, with release) and names the writer's slot and
 * generation: if that registration is gone or its process is dead, the reader replaces the claimed mark by
 * a skip-record mark. If the mark is still stale, the writer died in the few instructions between its
 * claim and its claimed mark, and nothing says who it was or how long the claim is; after the hole
 * timeout the reader marks every granule from the hole up to the next record start (any mark whose
 * position part is its own granule) or the tail as a granule to skip. Writers make each step with a
 * compare-and-set on the same mark, so a writer that was only slow loses that race, learns it from its
 * failed compare-and-set and reports the message as not delivered; a record is never half delivered.
 */
public final class CrashRecovery {

    private final SharedQueue queue;
    private final ReaderTable readers;

    public CrashRecovery(SharedQueue queue) {
        this.queue = queue;
        this.readers = queue.readers();
    }

    /**
     * Frees the slot of every registration whose process is dead.
     *
     * @param ownSlot the caller's own slot, never judged
     * @return how many registrations were reclaimed
     */
    public int reclaimDeadReaders(int ownSlot) {
        int reclaimed = 0;
        for (int slot = 0; slot < readers.highWater(); slot++) {
            long word = readers.slotWordVolatile(slot);
            int state = state(word);
            if (slot == ownSlot || (state != STATE_ACTIVE && state != STATE_CLAIMED) || !Liveness.isDead(readers, slot)) {
                continue;
            }
            if (reclaim(slot, word, Liveness.provenByPid(readers, slot))) {
                reclaimed++;
            }
        }
        if (reclaimed > 0) {
            queue.space().wakeIfWaiting();
        }
        return reclaimed;
    }

    /**
     * @param deathProven true when the kernel said the owner is gone (not a lease): only then are its
     *                    sleepers final, and taken off the waiter counts. An owner misjudged by its lease
     *                    uncounts itself when it wakes; subtracting too would leave the count one short
     *                    and lose a wake-up, where leaving it costs a spare wake call.
     */
    private boolean reclaim(int slot, long word, boolean deathProven) {
        int messageSleepers = Math.max(0, readers.sleepers(slot, false));
        int spaceSleepers = Math.max(0, readers.sleepers(slot, true));
        if (!readers.free(slot, word)) {
            return false;
        }
        if (deathProven) {
            queue.messages().addWaiter(-messageSleepers);
            queue.space().addWaiter(-spaceSleepers);
        }
        queue.removeRegistration(true); // never the last: the caller is registered, or registering
        queue.countReaderReclaimed();
        return true;
    }

    /**
     * Called by a reader stuck at {@code position}, where a record has been claimed but not published.
     *
     * @param stuckNanos how long this reader has waited at this position
     * @return true if the hole was repaired (the reader can move on)
     */
    public boolean repairHole(long position, long stuckNanos, long holeTimeoutNanos) {
        long mark = queue.markVolatile(position);
        if (SharedQueue.isResolved(mark, position)) {
            return true;
        }
        if (position >= queue.tailVolatile()) {
            return false; // nothing claimed here yet: not a hole
        }
        if (mark == (position | MARK_CLAIMED)) {
            if (writerIsGone(position) && queue.skipClaimed(position)) {
                queue.countHoleRepaired();
                return true;
            }
            return false;
        }
        if (stuckNanos < holeTimeoutNanos) {
            return false;
        }
        skipHeaderlessClaim(position);
        return true;
    }

    private boolean writerIsGone(long position) {
        long offset = queue.recordOffset(position);
        var memory = queue.memory();
        int writerSlot = Short.toUnsignedInt(memory.get(ValueLayout.JAVA_SHORT, offset + RecordLayout.WRITER_SLOT_OFFSET));
        int writerGeneration = memory.get(ValueLayout.JAVA_INT, offset + RecordLayout.WRITER_GENERATION_OFFSET);
        if (writerSlot >= readers.maxReaders()) {
            return true; // a damaged header names no registration: nobody will ever publish this record
        }
        long word = readers.slotWordVolatile(writerSlot);
        if (generation(word) != writerGeneration || state(word) != STATE_ACTIVE) {
            return true; // that registration is gone: closed (impossible mid-append) or reclaimed as dead
        }
        if (!Liveness.isDead(readers, writerSlot)) {
            return false;
        }
        reclaim(writerSlot, word, Liveness.provenByPid(readers, writerSlot));
        queue.space().wakeIfWaiting();
        return true;
    }

    private void skipHeaderlessClaim(long position) {
        long tail = queue.tailVolatile();
        if (tail - position > queue.capacity()) {
            // No writer can claim more than a ring ahead of a reader: the tail is damaged, not a hole.
            throw new IncompatibleQueueException("queue file " + queue.file().path() + " is damaged: its tail is "
                    + (tail - position) + " bytes ahead of a reader in a ring of " + queue.capacity()
                    + "; remove the queue and create it again");
        }
        long granule = position;
        while (granule < tail) {
            long mark = queue.markVolatile(granule);
            if ((mark & ~MARK_STATE_MASK) != granule) { // stale: part of the dead claim
                if (queue.skipGranule(granule, mark)) {
                    if (granule == position) {
                        queue.countHoleRepaired();
                    }
                    granule += GRANULE;
                }
                continue; // on a lost race, look at the new mark again
            }
            if (mark != (granule | MARK_SKIP_GRANULE)) {
                break; // the start of a record whose writer got as far as its header: the hole ends here
            }
            granule += GRANULE; // another reader is repairing the same hole
        }
        queue.messages().wakeIfWaiting();
    }
}
