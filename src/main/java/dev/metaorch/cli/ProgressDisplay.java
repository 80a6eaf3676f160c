package dev.metaorch.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of long work on stderr: a progress bar (me.tongfei:progressbar) when stderr is a
 * terminal, otherwise a plain line at most every {@code intervalMillis}. Closing prints nothing
 * more than a final line.
 */
final class ProgressDisplay implements AutoCloseable {
    private final ProgressBar bar;
    private final PrintWriter plain;
    private final long intervalNanos;
    private long lastNanos;
    private String lastLine = "";

    ProgressDisplay(String task, long total, PrintWriter err, boolean quiet, long intervalMillis) {
        boolean terminal = System.console() != null && !quiet;
        this.bar = terminal ? new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200)
                .setConsumer(new ConsoleProgressBarConsumer(new PrintStream(System.err, true))).build() : null;
        this.plain = quiet || terminal ? null : err;
        this.intervalNanos = intervalMillis * 1_000_000L;
        this.lastNanos = System.nanoTime();
    }

    void update(long done, String extra, String line) {
        if (bar != null) {
            bar.stepTo(done);
            bar.setExtraMessage(extra);
            return;
        }
        lastLine = line;
        long now = System.nanoTime();
        if (plain != null && now - lastNanos >= intervalNanos) {
            lastNanos = now;
            plain.println(line);
            plain.flush();
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        } else if (plain != null && !lastLine.isEmpty()) {
            plain.println(lastLine);
            plain.flush();
        }
    }
}
