package dev.metaorch.cli;

import java.io.PrintWriter;

/**
 * Entry point. Implementation notes on picocli, so nobody has to rediscover them:
 * <ul>
 * <li>{@link CommandFactory} builds the {@code CommandLine}; tests use it with their own writers
 * and never reach {@code System.exit}, which only this method calls.</li>
 * <li>Usage errors (unknown option, bad number) are picocli {@code ParameterException}s: picocli
 * prints the message and usage and returns exit code 2 ({@code CommandLine.ExitCode.USAGE}).</li>
 * <li>Everything a command throws goes to one handler ({@link CommandFactory}) that prints a
 * {@code MetaorchException}'s lines without a stack trace and maps it to its exit code;
 * anything else is exit 1, with the stack trace only under {@code --stacktrace}.</li>
 * <li>{@code --stacktrace} is an inherited option ({@code ScopeType.INHERIT}), so it is accepted
 * after any subcommand.</li>
 * </ul>
 */
public final class MetaorchApplication {
    private MetaorchApplication() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = CommandFactory.create(out, err).execute(args);
        out.flush();
        err.flush();
        System.exit(code);
    }
}
