package io.jsyncq.internal;

/**
 * The owner locks of a queue's reader slots, seen through one open file description of the queue file.
 *
 * <p>A registration takes its slot's lock before the slot word can show it and keeps it until its slot
 * word no longer does (it closes) or its process dies, when the kernel drops it. A process that is merely
 * stopped, frozen by a container runtime or paused by a garbage collector keeps it. So for a slot word read
 * before the lock was found free, the lock proves its owner dead or gone; no clock, pid or {@code /proc}
 * enters the decision, and pid namespaces do not matter (the lock lives in the kernel's inode).
 *
 * <p>Whoever takes a dead owner's lock holds the slot exclusively while it cleans up: no registering
 * process can take the slot meanwhile, and no other reclaimer can clean it twice.
 */
public final class SlotLocks {

    private final int fd;

    SlotLocks(int fd) {
        this.fd = fd;
    }

    /** Takes the slot's owner lock if nobody else holds it: its owner, if any, is then dead. */
    public boolean tryLock(int slot) {
        return Posix.tryLockByte(fd, ReaderSlotLayout.ownerLockByte(slot));
    }

    public void unlock(int slot) {
        Posix.unlockByte(fd, ReaderSlotLayout.ownerLockByte(slot));
    }

    /** True if another open file description holds the slot's lock: its owner lives (or is registering). */
    public boolean isHeldByOther(int slot) {
        return Posix.isByteLockedByOther(fd, ReaderSlotLayout.ownerLockByte(slot));
    }
}
