package io.jsyncq.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Threshold;

/** JFR: a pop waited for a message longer than the threshold (1 ms unless the recording says otherwise). */
@Name("jsyncq.MessageWait")
@Label("Wait for a message")
@Category("jsyncq")
@Description("A pop found nothing to read and waited")
@Threshold("1 ms")
final class MessageWaitEvent extends Event {
    @Label("Queue")
    String queue;
    @Label("Got a message")
    boolean gotMessage;
}
