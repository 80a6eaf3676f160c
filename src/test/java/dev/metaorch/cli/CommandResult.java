package dev.metaorch.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

/** A command run in-process: exit code, stdout and stderr. */
public record CommandResult(int exitCode, String out, String err) {

    public static CommandResult run(String... args) {
        return runWithWidth(0, args);
    }

    /** Runs with the usage help {@code width} columns wide (0: the terminal's width). */
    public static CommandResult runWithWidth(int width, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CommandFactory.create(new PrintWriter(out, true), new PrintWriter(err, true), width).execute(args);
        return new CommandResult(code, out.toString(), err.toString());
    }

    /** Absolute path of a file in the project (tests run from the project root). */
    public static String project(String relative) {
        return Path.of(relative).toAbsolutePath().toString();
    }
}
