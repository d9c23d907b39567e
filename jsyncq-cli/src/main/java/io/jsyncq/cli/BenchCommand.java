package io.jsyncq.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The slot for the benchmarks (the jsyncq-bench module): every argument, {@code --help} included, goes to
 * {@code io.jsyncq.bench.BenchMain.main(String[])} when that class is on the class path.
 */
@Command(name = "bench", description = "Run the benchmarks (jsyncq-bench); 'jsyncq bench --help' for their options.")
final class BenchCommand implements Callable<Integer> {

    static final String MAIN_CLASS = "io.jsyncq.bench.BenchMain";

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Class<?> main;
        try {
            main = Class.forName(MAIN_CLASS);
        } catch (ClassNotFoundException absent) {
            throw new CliException("the benchmarks are not on this class path: run them with 'bin/jsyncq bench'"
                    + " (the jsyncq-bench module)");
        }
        Method method = main.getMethod("main", String[].class);
        try {
            method.invoke(null, (Object) args.toArray(String[]::new));
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        return JsyncqCommand.OK;
    }
}
