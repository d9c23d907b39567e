package io.jsyncq.cli;

import io.jsyncq.InvalidNameException;
import io.jsyncq.SyncQueueException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The {@code jsyncq} command: {@code bin/jsyncq} runs this class with native access enabled.
 *
 * <p>Exit codes: 0 success, 1 a runtime failure, 2 a usage error. A failure is reported as one line on
 * stderr, {@code jsyncq: <message>}; {@code --verbose} adds the stack trace.
 */
@Command(name = "jsyncq",
        mixinStandardHelpOptions = true,
        versionProvider = JsyncqCommand.Version.class,
        description = {"A broadcast message queue in named shared memory, for processes on one machine.",
                "Every process that registers on a queue both writes and reads: it sees every message appended"
                        + " after it registered, in the one order all readers see."},
        footerHeading = "%nExit codes:%n",
        footer = {"  0  success", "  1  runtime failure (one line on stderr; --verbose for the stack trace)",
                "  2  usage error", "",
                "Sizes: 64k, 1m, 1g (queue sizes are powers of two from 4k to 1g). Durations: 500ms, 2s, 1m.",
                "The benchmarks are a module of their own: bin/jsyncq bench (bin/jsyncq bench --help)."},
        usageHelpAutoWidth = true)
public final class JsyncqCommand implements Callable<Integer> {

    static final int OK = 0;
    static final int FAILURE = 1;
    static final int USAGE = 2;
    /** 128 + SIGINT; the JVM's own status for a signal wins in any case. */
    static final int STOPPED = 130;

    /**
     * The subcommands, in the order help lists them. Picocli builds a command's model by reflection, which
     * is most of a short command's start-up; so a command line that names one of them gets only that one
     * (see {@link #run}).
     */
    private static final List<Class<?>> SUBCOMMANDS = List.of(
            CreateCommand.class, SendCommand.class, TailCommand.class, StatCommand.class, LsCommand.class,
            RmCommand.class, EvictCommand.class, BridgeCommand.class, DemoCommand.class, DemoChildCommand.class,
            CommandLine.HelpCommand.class);

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    CommonOptions common;

    /** The top-level command, as picocli builds it; {@link #main} is the way to run it. */
    public JsyncqCommand() {
    }

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the command line, as after {@code jsyncq} in a shell
     */
    public static void main(String[] args) {
        int exitCode = run(args);
        System.out.flush();
        System.exit(exitCode);
    }

    /**
     * Runs the command line and returns its exit code, without exiting. The first argument that is not an
     * option names the subcommand: if it names one, only that one is built; otherwise (help, a mistake, an
     * option value first) all are, so what the user sees never depends on it.
     */
    static int run(String... args) {
        CommandLine commandLine = new CommandLine(new JsyncqCommand());
        String named = subcommandName(args);
        List<Class<?>> wanted = SUBCOMMANDS.stream().filter(command -> nameOf(command).equals(named)).toList();
        for (Class<?> subcommand : wanted.isEmpty() || named.equals("help") ? SUBCOMMANDS : wanted) {
            commandLine.addSubcommand(subcommand);
        }
        commandLine.setParameterExceptionHandler(JsyncqCommand::usageError);
        commandLine.setExecutionExceptionHandler((ex, cmd, parseResult) -> failure(ex, cmd.getErr()));
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        return commandLine.execute(args);
    }

    /** The first argument that is neither an option nor the value of {@link CommonOptions#DIR}, or "". */
    private static String subcommandName(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(CommonOptions.DIR)) {
                i++;
            } else if (!args[i].startsWith("-")) {
                return args[i];
            }
        }
        return "";
    }

    private static String nameOf(Class<?> subcommand) {
        return subcommand.getAnnotation(Command.class).name();
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "a command is required: create, send, tail, stat, ls, rm"
                + " or demo");
    }

    private static int usageError(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        String help = cmd.getCommandSpec().qualifiedName() + " --help";
        err.println("jsyncq: " + oneLine(ex.getMessage()) + " (see '" + help + "')");
        if (CommonOptions.verbose()) {
            ex.printStackTrace(err);
        }
        err.flush();
        return USAGE;
    }

    static int failure(Exception ex, PrintWriter err) {
        if (ex instanceof ParameterException usage) {
            return usageError(usage, new String[0]);
        }
        if (ex instanceof CleanShutdown.Stopping) {
            return STOPPED; // a signal: the registration was closed by the shutdown hook
        }
        err.println("jsyncq: " + oneLine(describe(ex)));
        if (CommonOptions.verbose()) {
            ex.printStackTrace(err);
        }
        err.flush();
        return ex instanceof InvalidNameException ? USAGE : FAILURE;
    }

    private static String describe(Throwable ex) {
        if (ex instanceof SyncQueueException || ex instanceof CliException) {
            return ex.getMessage();
        }
        if (ex instanceof java.io.UncheckedIOException io && io.getCause() != null) {
            return io.getCause().getMessage();
        }
        String message = ex.getMessage();
        return ex.getClass().getSimpleName() + (message == null ? "" : ": " + message)
                + " (run with --verbose for details)";
    }

    private static String oneLine(String message) {
        return message == null ? "failed" : message.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = JsyncqCommand.class.getPackage().getImplementationVersion();
            return new String[] {"jsyncq " + (version == null ? "(development build)" : version),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.home") + ")"};
        }
    }
}
