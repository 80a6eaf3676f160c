package dev.metaorch.runner;

import dev.metaorch.common.Money;
import java.util.HashMap;
import java.util.Map;

/**
 * The one budget gate (ADR-019): an attempt is launched only after its estimated cost is
 * reserved, and a reservation is granted only while {@code spend + reservations + estimate <=
 * cap}. When the attempt's record lands, the reservation is released and the record's exact cost
 * is spent. So spend can pass the cap only by what attempts in flight cost beyond their
 * reservations; since an arm's estimate is the dearest attempt seen of its config (history and
 * this run), that is at most the overrun of attempts dearer than any seen before. A variant's own
 * estimate (no attempt seen yet) is a floor: replacing it by the first cheap attempt let a run at
 * concurrency 512 launch dear sessions on cheap reservations ($0.46 spent against a $0.30 cap).
 * <p>An arm with no estimate yet (no history, no variant estimate, nothing landed) is
 * calibrated: its attempt reserves everything left, so it runs alone until its cost is known.
 * Thread-safe.
 */
public final class BudgetGate {
    /** A granted reservation for one attempt of {@code arm}. */
    public record Reservation(String arm, long nanos) {
    }

    private final long capNanos;
    private final Map<String, Long> estimates = new HashMap<>();

    private long spentNanos;
    private long reservedNanos;
    private long refused;
    /** Per session in flight: {covered by its attempt's reservation, calls held, calls metered, extra reserved}. */
    private final Map<String, long[]> sessions = new HashMap<>();
    private String lastRefusal = "";

    /**
     * @param capNanos  the cap, nano-dollars
     * @param spentNanos what the run's log already holds (a resume)
     * @param estimates per arm, the nano-dollars to reserve per attempt (absent: calibrate)
     */
    public BudgetGate(long capNanos, long spentNanos, Map<String, Long> estimates) {
        this.capNanos = capNanos;
        this.spentNanos = spentNanos;
        this.estimates.putAll(estimates);
    }

    /** A gate that never refuses (no cap). */
    public static BudgetGate unlimited() {
        return new BudgetGate(Long.MAX_VALUE, 0, Map.of());
    }

    /** Reserves one attempt of {@code arm}; null when that would take spend past the cap. */
    public synchronized Reservation tryReserve(String arm) {
        long left = capNanos - spentNanos - reservedNanos;
        Long estimate = estimates.get(arm);
        long amount = estimate != null ? estimate : left;
        if (left <= 0 || amount > left || (estimate == null && reservedNanos > 0)) {
            refused++;
            lastRefusal = "an attempt of " + arm + " reserves " + (estimate == null ? "what is left (its cost is unknown)"
                    : Money.format(amount)) + ", " + Money.format(Math.max(0, capNanos - spentNanos)) + " of the cap is left";
            return null;
        }
        reservedNanos += amount;
        return new Reservation(arm, amount);
    }

    /** Releases {@code r} and spends the attempt's exact cost; the arm's estimate learns from it. */
    public synchronized void settle(Reservation r, long costNanos) {
        if (r != null) {
            reservedNanos -= r.nanos();
        }
        spentNanos = Math.addExact(spentNanos, costNanos);
        if (r != null) {
            estimates.merge(r.arm(), costNanos, Math::max);
        }
    }

    /** Releases a reservation whose attempt never started. */
    public synchronized void release(Reservation r) {
        if (r != null) {
            reservedNanos -= r.nanos();
        }
    }

    /** An attempt of {@code sessionId} starts under {@code r}: its LLM calls are covered by it first. */
    public synchronized void openSession(String sessionId, Reservation r) {
        sessions.put(sessionId, new long[] {r == null ? 0 : r.nanos(), 0, 0, 0});
    }

    /** The attempt is over: what its calls reserved beyond its reservation is released. */
    public synchronized void closeSession(String sessionId) {
        long[] st = sessions.remove(sessionId);
        if (st != null) {
            reservedNanos -= st[3];
        }
    }

    /**
     * The metering proxy asks before forwarding a call of {@code sessionId} estimated at
     * {@code nanos}: allowed while the session's calls stay within its attempt's reservation, or
     * when the rest fits under the cap beside every other reservation (then it is reserved too).
     * A session the gate does not know (a trial outside a run) is always allowed.
     */
    public synchronized boolean allowCall(String sessionId, long nanos) {
        long[] st = sessions.get(sessionId);
        if (st == null) {
            return true;
        }
        long available = st[0] + st[3] - st[1] - st[2];
        long need = nanos - Math.max(0, available);
        if (need > 0) {
            if (spentNanos + reservedNanos + need > capNanos) {
                refused++;
                lastRefusal = "an LLM call of " + sessionId + " estimated at " + Money.format(nanos)
                        + " would pass the cap";
                return false;
            }
            reservedNanos += need;
            st[3] += need;
        }
        st[1] += nanos;
        return true;
    }

    /** A call allowed by {@link #allowCall} is over: its estimate is released, its metered cost noted. */
    public synchronized void settleCall(String sessionId, long estimateNanos, long actualNanos) {
        long[] st = sessions.get(sessionId);
        if (st != null) {
            st[1] -= estimateNanos;
            st[2] += actualNanos;
        }
    }

    /** Why the last reservation was refused, for the user. */
    public synchronized String lastRefusal() {
        return lastRefusal;
    }

    public synchronized long spentNanos() {
        return spentNanos;
    }

    public synchronized long reservedNanos() {
        return reservedNanos;
    }

    public long capNanos() {
        return capNanos;
    }

    /** True when the cap leaves no room for another attempt of any arm with a known estimate. */
    public synchronized boolean exhausted() {
        long left = capNanos - spentNanos;
        return left <= 0 || estimates.values().stream().allMatch(e -> e > left) && !estimates.isEmpty();
    }

    @Override
    public synchronized String toString() {
        return "spent " + Money.format(spentNanos) + ", reserved " + Money.format(reservedNanos) + ", cap "
                + Money.format(capNanos) + ", refused " + refused;
    }
}
