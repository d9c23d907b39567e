package io.jsyncq.cli;

import io.jsyncq.QueueAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "evict", mixinStandardHelpOptions = true,
        header = "Free the space a live but stuck reader holds (stat shows it).",
        description = {"Evict one registration of a queue: its unread messages stop holding space at once, "
                + "so writers waiting for room go on. For a process that is alive but holds writers back: "
                + "stopped (SIGSTOP, a paused container), hung, or too slow. A dead process needs no eviction: "
                + "it is reclaimed as soon as a writer needs its space.",
                "The evicted process is told on its next call, or while it waits, and never writes into the "
                + "queue again through that registration; a message it was writing at that moment is not "
                + "delivered (it is told so). `jsyncq stat QUEUE` lists the slots."})
final class EvictCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "QUEUE", description = "Queue name.")
    String name;

    @Option(names = "--reader", required = true, paramLabel = "SLOT",
            description = "The registration's slot, as `jsyncq stat` shows it.")
    int slot;

    @Override
    public Integer call() {
        try {
            QueueAdmin.evict(common.directory(), name, slot);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), e);
        }
        return JsyncqCommand.OK;
    }
}
