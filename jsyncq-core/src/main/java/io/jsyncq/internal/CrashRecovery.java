package io.jsyncq.internal;

import static io.jsyncq.internal.QueueLayout.GRANULE;
import static io.jsyncq.internal.QueueLayout.MARK_SKIP_GRANULE;
import static io.jsyncq.internal.QueueLayout.MARK_STATE_MASK;
import static io.jsyncq.internal.ReaderSlotLayout.STATE_DURABLE;
import static io.jsyncq.internal.ReaderSlotLayout.STATE_FREE;
import static io.jsyncq.internal.ReaderSlotLayout.STATE_PARKED;
import static io.jsyncq.internal.ReaderSlotLayout.generation;
import static io.jsyncq.internal.ReaderSlotLayout.state;


/**
 * Repairs what dead processes leave behind, so that no crash wedges the queue; never touches what a live
 * process, however stopped, still owns. Death is what the kernel proves: a slot's owner lock is free
 * ({@link SlotLocks}).
 *
 * <p><b>Dead registrations</b> hold space with their cursor and claim floors, a slot (which keeps the
 * file from being removed), and perhaps sleepers in the waiter counts. Whoever takes a dead owner's lock clears all
 * of it, then frees the slot, then lets the lock go: holding the lock, it is the only one doing so, and
 * no registering process can take the slot half-cleaned.
 *
 * <p><b>Dead writers</b> leave a claim that is never published, and every reader waits at it. A reader
 * stuck at position {@code c} below the tail looks at the claim floors: the claim's owner declared a floor
 * at or below {@code c} before its claim existed, and keeps it until its record is published or skipped.
 * If no registration whose owner lives has a floor at or below {@code c}, the owner is dead (and reclaimed
 * on the way), and the reader skips granules from {@code c} up to the first record start that is resolved,
 * the lowest live floor above {@code c} (the next live claim), or the tail. A live writer's claim is
 * therefore never skipped, however long it is stopped, and a dead one's is skipped at once.
 */
public final class CrashRecovery {

    private final SharedQueue queue;
    private final ReaderTable readers;
    private final SlotLocks locks;

    public CrashRecovery(SharedQueue queue) {
        this.queue = queue;
        this.readers = queue.readers();
        this.locks = queue.locks();
    }

    /**
     * Reclaims the slot of every registration whose process is dead.
     *
     * @param ownSlot the caller's own slot, never judged (-1 for none)
     * @return how many registrations were reclaimed
     */
    public int reclaimDeadReaders(int ownSlot) {
        int[] reclaimed = {0};
        readers.forEachTaken((slot, word) -> {
            if (slot != ownSlot && reclaimIfDead(slot)) {
                reclaimed[0]++;
            }
            return true;
        });
        return reclaimed[0];
    }

    /**
     * Reclaims {@code slot} if its owner is dead.
     *
     * @return true if this call reclaimed it; false if its owner lives (or it was free, or someone else
     *         holds its lock to register or reclaim it)
     */
    boolean reclaimIfDead(int slot) {
        if (!locks.tryLock(slot)) {
            return false;
        }
        try {
            long word = readers.slotWordVolatile(slot);
            if (state(word) == STATE_FREE || state(word) == STATE_PARKED) {
                return false; // closed by its owner after we looked, or parked already: nothing to clear
            }
            String sender = readers.sender(slot);
            int pid = readers.pid(slot);
            if (!release(slot, generation(word))) {
                return false;
            }
            queue.countReaderReclaimed();
            RepairEvent.reclaimed(queue, slot, sender, pid);
        } finally {
            locks.unlock(slot);
        }
        return true;
    }

    /**
     * Clears everything the registration of generation {@code generation} in {@code slot} holds (its claim
     * floors, and its sleepers in the waiter counts) and frees the slot, or parks it if it is durable (its
     * cursor then goes on holding space, for the process that resumes it). The caller holds the slot's owner
     * lock, and no thread of the registration can touch the slot any more: its process is dead, or it is
     * the owner itself, closing, with its mapping already closed. An eviction landing meanwhile changes the
     * slot word; then the word is read again, as long as it still names that registration.
     *
     * @return false if the slot no longer holds that registration
     */
    boolean release(int slot, int generation) {
        while (true) {
            long word = readers.slotWordVolatile(slot);
            if (state(word) == STATE_FREE || state(word) == STATE_PARKED || generation(word) != generation) {
                return false;
            }
            int messageSleepers = Math.max(0, readers.sleepers(slot, false));
            int spaceSleepers = Math.max(0, readers.sleepers(slot, true));
            readers.clearFloors(slot);
            boolean released = state(word) == STATE_DURABLE ? readers.park(slot, word) : readers.free(slot, word);
            if (released) {
                readers.addSleeper(slot, false, -messageSleepers); // a parked slot keeps no sleepers for its next owner
                readers.addSleeper(slot, true, -spaceSleepers);
                queue.messages().addWaiter(-messageSleepers);
                queue.space().addWaiter(-spaceSleepers);
                queue.space().wakeIfWaiting();
                return true;
            }
        }
    }

    /**
     * Frees a parked durable registration for an operator: its messages stop holding space, and nobody can
     * resume it any more.
     *
     * @return false if the slot is not parked (or someone holds its lock right now)
     */
    boolean freeParked(int slot) {
        if (!locks.tryLock(slot)) {
            return false;
        }
        try {
            boolean freed = readers.freeParked(slot, readers.slotWordVolatile(slot));
            if (freed) {
                queue.space().wakeIfWaiting();
            }
            return freed;
        } finally {
            locks.unlock(slot);
        }
    }

    /**
     * Called by a reader stuck at {@code position}, below the tail and not published.
     *
     * @param ownSlot the reader's own slot (its own appends are never in its way: a pop does not wait on
     *                an append of its own thread, and other threads' appends are live)
     * @return true if the hole was repaired (the reader can move on)
     */
    public boolean repairHole(long position, int ownSlot) {
        long tail = queue.tailVolatile(); // first: every claim below it has its floor visible to us
        long mark = queue.markVolatile(position);
        if (SharedQueue.isResolved(mark, position)) {
            return true;
        }
        if (position >= tail) {
            return false; // nothing claimed here yet: not a hole
        }
        if (tail - position > queue.capacity()) {
            // No writer can claim more than a ring ahead of a reader: the tail is damaged, not a hole.
            throw QueueFile.damaged(queue.file().path(), "its tail is " + (tail - position)
                    + " bytes ahead of a reader in a ring of " + queue.capacity());
        }
        long[] end = {tail};
        boolean noLiveClaimBelow = readers.forEachTaken((slot, word) -> {
            if (readers.lowestFloor(slot) <= position) {
                // Its owner may own this claim: wait for it if it lives; if dead, its floors are cleared now.
                return slot != ownSlot && reclaimIfDead(slot);
            }
            end[0] = Math.min(end[0], readers.lowestFloorAbove(slot, position));
            return true;
        });
        if (!noLiveClaimBelow) {
            return false;
        }
        skipGranules(position, end[0]);
        return true;
    }

    /** Skips every granule of dead claims from {@code position} up to the first resolved record start or {@code end}. */
    private void skipGranules(long position, long end) {
        long granule = position;
        long skipped = 0;
        while (granule < end) {
            long mark = queue.markVolatile(granule);
            long markPosition = mark & ~MARK_STATE_MASK;
            if (markPosition > granule) {
                break; // a later lap: this reader was evicted and lapped meanwhile; it learns so on its next check
            }
            if (markPosition < granule) { // stale (an earlier lap, or never written): part of a dead claim
                if (queue.skipGranule(granule, mark)) {
                    if (granule == position) {
                        queue.countHoleRepaired();
                    }
                    skipped++;
                    granule += GRANULE;
                }
                continue; // on a lost race, look at the new mark again
            }
            if (mark != (granule | MARK_SKIP_GRANULE)) {
                break; // a resolved record start: the hole ends here
            }
            granule += GRANULE; // another reader is repairing the same hole
        }
        if (skipped > 0) {
            RepairEvent.hole(queue, position, skipped);
        }
        queue.wakeAllReaders(); // readers asleep at the granules skipped, whatever they screen
    }

}
