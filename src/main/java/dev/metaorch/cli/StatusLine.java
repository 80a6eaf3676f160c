package dev.metaorch.cli;

import java.io.PrintWriter;

/**
 * A live status line on stderr. On a terminal each update rewrites the line in place
 * ({@code \r}, the text, then "erase to end of line" {@code ESC[K}) and other messages are
 * printed above it; otherwise every update is a line of its own, so logs keep the history.
 */
final class StatusLine implements AutoCloseable {
    static final String CLEAR_TO_END = "\u001b[K";

    private final PrintWriter err;
    private final boolean terminal;
    private boolean shown;

    StatusLine(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /** Whether stderr is most likely an interactive terminal (a console is attached and it is a terminal). */
    static boolean interactive() {
        java.io.Console c = System.console();
        if (c == null) {
            return false;
        }
        try {
            // Java 22+: System.console() exists even when redirected; isTerminal() tells them apart
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    synchronized void show(String line) {
        if (terminal) {
            err.print("\r" + line + CLEAR_TO_END);
            shown = true;
        } else {
            err.println(line);
        }
        err.flush();
    }

    /** A message of its own, printed above the status line. */
    synchronized void message(String text) {
        if (terminal && shown) {
            err.print("\r" + CLEAR_TO_END);
            shown = false;
        }
        err.println(text);
        err.flush();
    }

    @Override
    public synchronized void close() {
        if (terminal && shown) {
            err.println();
            err.flush();
            shown = false;
        }
    }
}
