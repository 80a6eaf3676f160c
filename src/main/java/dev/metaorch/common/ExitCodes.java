package dev.metaorch.common;

/** The exit codes of every metaorch command. */
public final class ExitCodes {
    /** The command did what was asked. */
    public static final int OK = 0;
    /** A runtime failure: I/O error, disk full, an unexpected exception. */
    public static final int RUNTIME_FAILURE = 1;
    /** Bad usage or input: unknown option, invalid config, malformed file. */
    public static final int INVALID_INPUT = 2;
    /** The run was interrupted (SIGTERM/SIGINT) and can be resumed. 128 + SIGTERM(15). */
    public static final int INTERRUPTED = 143;

    private ExitCodes() {
    }
}
