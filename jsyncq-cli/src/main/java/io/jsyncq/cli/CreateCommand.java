package io.jsyncq.cli;

import io.jsyncq.QueueAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "create", mixinStandardHelpOptions = true,
        header = "Create a queue, without registering on it.",
        description = {"Create a queue, without registering on it.",
                "Unless --keep is given, the queue is removed when the last process that registers on it"
                        + " later (send, tail, or a program) closes; with --keep it stays until 'jsyncq rm'."})
final class CreateCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "NAME", description = "Queue name: 1-200 characters of A-Z a-z 0-9 . _ -")
    String name;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "1m", converter = Units.QueueSize.class,
            description = "Ring size: a power of two from 4k to 1g (default: ${DEFAULT-VALUE}).")
    long size;

    @Option(names = "--max-readers", paramLabel = "N", defaultValue = "64",
            description = "How many registrations may be open at once, 1-4096 (default: ${DEFAULT-VALUE}).")
    int maxReaders;

    @Option(names = "--keep", description = "Keep the queue when its last registration closes.")
    boolean keep;

    @Option(names = "--group", description = "Let the file's group read and write it too (mode 0660, not 0600).")
    boolean group;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (maxReaders < 1 || maxReaders > 4096) {
            throw new ParameterException(spec.commandLine(), "--max-readers must be from 1 to 4096, not " + maxReaders);
        }
        QueueAdmin.create(common.directory(), name, size, maxReaders, keep, group);
        return JsyncqCommand.OK;
    }
}
