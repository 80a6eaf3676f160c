package dev.metaorch.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Entry point. Implementation notes on picocli, so nobody has to rediscover them:
 * <ul>
 * <li>{@link CommandFactory} builds the {@code CommandLine}; tests use it with their own writers
 * and never reach {@code System.exit}, which only this method calls.</li>
 * <li>Usage errors (unknown option, bad number) are picocli {@code ParameterException}s: the
 * handler in {@link CommandFactory} prints one line and a hint ({@code see 'metaorch X --help'})
 * and returns exit code 2, not picocli's whole usage.</li>
 * <li>Everything a command throws goes to one handler ({@link CommandFactory}) that prints a
 * {@code MetaorchException}'s lines without a stack trace and maps it to its exit code;
 * anything else is exit 1, with the stack trace only under {@code --stacktrace}.</li>
 * <li>Every number is formatted with {@code Locale.ROOT} in the code; {@code main} also sets the
 * default format locale to {@code Locale.ROOT}, so that no output of the process depends on the
 * user's locale ({@code LLR 4.88}, never {@code 4,88}).</li>
 * <li>{@code --stacktrace} is an inherited option ({@code ScopeType.INHERIT}), so it is accepted
 * after any subcommand.</li>
 * </ul>
 */
public final class MetaorchApplication {
    private MetaorchApplication() {
    }

    public static void main(String[] args) {
        Locale.setDefault(Locale.Category.FORMAT, Locale.ROOT);
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = CommandFactory.create(out, err).execute(args);
        out.flush();
        err.flush();
        System.exit(code);
    }
}
