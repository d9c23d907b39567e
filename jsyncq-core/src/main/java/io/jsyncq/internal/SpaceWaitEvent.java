package io.jsyncq.internal;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** JFR: an append waited for room (only appends that wait; one that finds room records nothing). */
@Name("jsyncq.SpaceWait")
@Label("Wait for room")
@Category("jsyncq")
@Description("An append found the queue full and waited for readers to free room")
final class SpaceWaitEvent extends Event {
    @Label("Queue")
    String queue;
    @Label("Bytes needed")
    @DataAmount
    long needed;
    @Label("Got room")
    boolean gotRoom;
    @Label("Slowest reader")
    @Description("The sender name of the reader holding the most space when the wait ended")
    String slowestReader;
    @Label("Slowest reader's pid")
    int slowestReaderPid;
}
