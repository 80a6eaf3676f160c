package dev.metaorch.variant;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/** A cancellation signal: a flag plus callbacks run once when it is raised. */
public final class Cancellation {
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile String reason = "";

    public boolean isCancelled() {
        return cancelled.get();
    }

    public String reason() {
        return reason;
    }

    public void cancel(String why) {
        if (cancelled.compareAndSet(false, true)) {
            reason = why;
            listeners.forEach(Runnable::run);
        }
    }

    /** Runs {@code action} on cancellation (at once if already cancelled). */
    public void onCancel(Runnable action) {
        listeners.add(action);
        if (cancelled.get() && listeners.remove(action)) {
            action.run();
        }
    }
}
