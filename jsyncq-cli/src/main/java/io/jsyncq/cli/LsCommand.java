package io.jsyncq.cli;

import io.jsyncq.QueueAdmin;
import io.jsyncq.QueueInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "ls", mixinStandardHelpOptions = true,
        header = "List the queues, with their size, space used and readers.",
        description = "List the queues in the queue directory, with their size, space used and readers.")
final class LsCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Option(names = "--json", description = "Print a JSON array.")
    boolean json;

    @Override
    public Integer call() {
        Path directory = common.directory();
        List<QueueInfo> queues = QueueAdmin.list(directory);
        if (json) {
            Json out = new Json().beginArray();
            for (QueueInfo queue : queues) {
                out.beginObject()
                        .field("name", queue.name())
                        .field("path", queue.path().toString())
                        .field("capacity", queue.capacity())
                        .field("usedBytes", queue.usedBytes())
                        .field("freeBytes", queue.freeBytes())
                        .field("readers", queue.readers().size())
                        .field("liveReaders", queue.liveReaders())
                        .field("keep", queue.keep())
                        .endObject();
            }
            System.out.println(out.endArray());
        } else if (queues.isEmpty()) {
            System.out.println("no queues in " + directory);
        } else {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"NAME", "SIZE", "USED", "READERS", "ALIVE", "KEEP"});
            for (QueueInfo queue : queues) {
                rows.add(new String[] {queue.name(), Units.size(queue.capacity()), Units.bytes(queue.usedBytes()),
                        Integer.toString(queue.readers().size()), Long.toString(queue.liveReaders()),
                        queue.keep() ? "yes" : "no"});
            }
            System.out.print(StatCommand.table(rows, ""));
        }
        System.out.flush();
        return JsyncqCommand.OK;
    }
}
