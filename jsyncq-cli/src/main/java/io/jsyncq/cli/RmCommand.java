package io.jsyncq.cli;

import io.jsyncq.IncompatibleQueueException;
import io.jsyncq.QueueAdmin;
import io.jsyncq.QueueInUseException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "rm", mixinStandardHelpOptions = true,
        header = "Remove queues (not while live processes use them, unless --force).",
        description = {"Remove queues. Refuses while live processes are registered on one, unless --force.",
                "With --force, processes still registered are evicted: each is told on its next call, or while "
                        + "it waits, that the queue was removed."})
final class RmCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Parameters(paramLabel = "NAME", arity = "1..*", description = "Queue names.")
    List<String> names;

    @Option(names = {"-f", "--force"}, description = "Remove even while live readers are registered, and remove a"
            + " damaged file or one of another layout version.")
    boolean force;

    @Override
    public Integer call() {
        for (String name : names) {
            try {
                QueueAdmin.remove(common.directory(), name, force);
            } catch (QueueInUseException | IncompatibleQueueException e) {
                throw new CliException(e.getMessage() + " (jsyncq rm --force)", e);
            }
        }
        return JsyncqCommand.OK;
    }
}
