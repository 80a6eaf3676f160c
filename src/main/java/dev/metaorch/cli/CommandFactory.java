package dev.metaorch.cli;

import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.MetaorchException;
import java.io.PrintWriter;
import picocli.CommandLine;

/** Builds the configured {@code metaorch} command line with the given output streams. */
public final class CommandFactory {
    private CommandFactory() {
    }

    public static CommandLine create(PrintWriter out, PrintWriter err) {
        MetaorchCommand root = new MetaorchCommand();
        CommandLine cl = new CommandLine(root);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter e = commandLine.getErr();
            if (ex instanceof MetaorchException me) {
                me.problems().forEach(e::println);
                if (root.stacktrace() && me.getCause() != null) {
                    me.getCause().printStackTrace(e);
                }
                e.flush();
                return me.exitCode();
            }
            e.println("error: " + (ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage())
                    + (root.stacktrace() ? "" : " (run with --stacktrace for details)"));
            if (root.stacktrace()) {
                ex.printStackTrace(e);
            }
            e.flush();
            return ExitCodes.RUNTIME_FAILURE;
        });
        return cl;
    }
}
