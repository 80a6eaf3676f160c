package dev.metaorch.runner;

/**
 * Starts a command's launch loop and lets another thread (the SIGTERM hook) interrupt it at any
 * moment: before the loop exists (it then starts interrupted), while it runs, or after.
 */
public final class LaunchControl {
    private volatile LaunchLoop loop;
    private volatile boolean interrupted;

    /** Stops launching and cancels the sessions in flight (logged as cancelled). */
    public void interrupt() {
        interrupted = true;
        LaunchLoop l = loop;
        if (l != null) {
            l.interrupt();
        }
    }

    public boolean interrupted() {
        return interrupted;
    }

    /** Runs {@code plan} on {@code runner} through {@code gate} to the end, then closes the runner. */
    public LaunchLoop.End run(SessionExecutor runner, BudgetGate gate, LaunchLoop.Plan plan) {
        LaunchLoop l = new LaunchLoop(runner, gate);
        loop = l;
        if (interrupted) {
            l.interrupt();
        }
        try {
            return l.run(plan);
        } finally {
            runner.close();
            loop = null;
        }
    }
}
