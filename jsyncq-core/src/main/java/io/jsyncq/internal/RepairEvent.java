package io.jsyncq.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * JFR: crash repair or an operator changed a registration or the ring: a dead reader reclaimed, a reader
 * evicted, a dead writer's hole skipped. One event type, with the kind, so that a dashboard shows repairs
 * in one place.
 */
@Name("jsyncq.Repair")
@Label("Repair")
@Category("jsyncq")
@Description("A dead registration reclaimed, a registration evicted, or a dead writer's hole skipped")
final class RepairEvent extends Event {
    @Label("Queue file")
    String file;
    @Label("Kind")
    @Description("reclaimed, evicted or hole")
    String kind;
    @Label("Slot")
    int slot;
    @Label("Sender")
    String sender;
    @Label("Pid")
    int pid;
    @Label("Position")
    @Description("For a hole: where it starts")
    long position;
    @Label("Granules")
    @Description("For a hole: how many 64-byte granules were skipped")
    long granules;

    static void reclaimed(SharedQueue queue, int slot, String sender, int pid) {
        record(queue, "reclaimed", slot, sender, pid, -1, 0);
    }

    static void evicted(SharedQueue queue, int slot, String sender, int pid) {
        record(queue, "evicted", slot, sender, pid, -1, 0);
    }

    static void hole(SharedQueue queue, long position, long granules) {
        record(queue, "hole", -1, null, 0, position, granules);
    }

    private static void record(SharedQueue queue, String kind, int slot, String sender, int pid, long position,
                               long granules) {
        RepairEvent event = new RepairEvent();
        if (event.isEnabled()) {
            event.file = queue.file().path().toString();
            event.kind = kind;
            event.slot = slot;
            event.sender = sender;
            event.pid = pid;
            event.position = position;
            event.granules = granules;
            event.commit();
        }
    }
}
