package dev.metaorch.cli;

import dev.metaorch.common.Json;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;

/** Output helpers shared by commands: data to stdout, messages to stderr. */
final class Console {
    private final PrintWriter out;
    private final PrintWriter err;

    Console(CommandSpec spec) {
        this.out = spec.commandLine().getOut();
        this.err = spec.commandLine().getErr();
    }

    PrintWriter out() {
        return out;
    }

    PrintWriter err() {
        return err;
    }

    void json(Object value) {
        out.print(Json.pretty(value));
        out.flush();
    }

    void warn(String message) {
        err.println("warning: " + message);
        err.flush();
    }

    void info(String message) {
        err.println(message);
        err.flush();
    }

    static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }
}
