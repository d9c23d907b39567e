package example;

import io.jsyncq.SyncQueue;
import io.jsyncq.micrometer.JsyncqMetrics;

/** Compiles against the core and the Micrometer binding as staged, and runs a queue through the core. */
public final class UsesStagedJsyncq {

    /** Not called: compiling it is the check (running it would need Micrometer on the class path). */
    static Class<?> micrometerBinding() {
        return JsyncqMetrics.class;
    }

    public static void main(String[] args) {
        String name = "release-check-" + ProcessHandle.current().pid();
        try (SyncQueue queue = SyncQueue.builder(name).size(1 << 16).sender("check").filterSelf(false).create()) {
            queue.append("greeting", "hello from the staged jar");
            System.out.println(queue.pop().orElseThrow().text());
        }
    }
}
