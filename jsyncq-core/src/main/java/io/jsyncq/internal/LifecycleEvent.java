package io.jsyncq.internal;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** JFR: a queue was created, or removed (by its last close, or by rm). */
@Name("jsyncq.Lifecycle")
@Label("Queue created or removed")
@Category("jsyncq")
@Description("A queue file was created, or removed")
final class LifecycleEvent extends Event {
    @Label("Queue file")
    String file;
    @Label("Created")
    @Description("True when created, false when removed")
    boolean created;
    @Label("Capacity")
    @DataAmount
    long capacity;

    static void record(java.nio.file.Path file, boolean created, long capacity) {
        LifecycleEvent event = new LifecycleEvent();
        if (event.isEnabled()) {
            event.file = file.toString();
            event.created = created;
            event.capacity = capacity;
            event.commit();
        }
    }
}
