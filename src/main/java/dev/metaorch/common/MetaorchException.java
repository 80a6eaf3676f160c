package dev.metaorch.common;

import java.util.List;

/**
 * A failure meant for the user: its message is printed without a stack trace and the command
 * exits with {@link #exitCode()}. Bad input carries one line per problem.
 */
public class MetaorchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;
    private final List<String> problems;

    public MetaorchException(int exitCode, List<String> problems, Throwable cause) {
        super(String.join(System.lineSeparator(), problems), cause);
        this.exitCode = exitCode;
        this.problems = List.copyOf(problems);
    }

    /** Bad usage or input: exit code 2. Each problem is one line, naming the file and place. */
    public static MetaorchException invalidInput(String problem) {
        return new MetaorchException(ExitCodes.INVALID_INPUT, List.of(problem), null);
    }

    public static MetaorchException invalidInput(List<String> problems) {
        return new MetaorchException(ExitCodes.INVALID_INPUT, problems, null);
    }

    /** A failure while doing the work (I/O, an agent infrastructure problem): exit code 1. */
    public static MetaorchException runtime(String message, Throwable cause) {
        return new MetaorchException(ExitCodes.RUNTIME_FAILURE, List.of(message), cause);
    }

    public static MetaorchException runtime(String message) {
        return runtime(message, null);
    }

    public int exitCode() {
        return exitCode;
    }

    public List<String> problems() {
        return problems;
    }
}
