package dev.metaorch.session;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.metaorch.common.Money;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The one place that turns a run's attempt records into its figures: attempts, sessions, spend
 * (the sum of every attempt's exact cost, whatever its outcome), per arm and per outcome, and
 * what was spent on pairs beyond the one that decided. The summary, {@code result.json}, the
 * tracker, {@code watch}, {@code experiments} and {@code analyze} all show these figures, so
 * they agree with the log to the nano-dollar. Not thread-safe: feed it from one thread.
 */
public final class RunLedger {
    private final Set<String> sessions = new HashSet<>();
    private final Map<String, long[]> arms = new TreeMap<>();
    private final Map<Outcome, Long> outcomes = new EnumMap<>(Outcome.class);
    private long attempts;
    private long spendNanos;
    private long retriedAttempts;
    private long lostAttempts;

    /** The error type of an attempt recorded lost: its worker's lease expired (a team store's run). */
    public static final String LOST = "lost";

    /** Adds one attempt record. */
    public void add(SessionRecord r) {
        attempts++;
        long cost = r.costNanos();
        spendNanos = Math.addExact(spendNanos, cost);
        boolean first = sessions.add(r.sessionId());
        long[] a = arms.computeIfAbsent(r.arm(), k -> new long[3]);
        a[0]++;
        a[1] += first ? 1 : 0;
        a[2] = Math.addExact(a[2], cost);
        outcomes.merge(r.outcome(), 1L, Long::sum);
        retriedAttempts += r.attempt() > 1 ? 1 : 0;
        lostAttempts += isLost(r) ? 1 : 0;
    }

    /** An attempt whose worker stopped renewing its lease: recorded cancelled, with error type {@value #LOST}. */
    public static boolean isLost(SessionRecord r) {
        return r.outcome() == Outcome.CANCELLED && r.error() != null && LOST.equals(r.error().type());
    }

    public long spendNanos() {
        return spendNanos;
    }

    public long attempts() {
        return attempts;
    }

    public long sessions() {
        return sessions.size();
    }

    /** The figures as of now; {@code beyond} is what pairs after the deciding one cost (or null). */
    public Figures figures(Beyond beyond) {
        Map<String, ArmFigures> perArm = new TreeMap<>();
        arms.forEach((arm, a) -> perArm.put(arm, new ArmFigures(a[0], a[1], a[2], Money.usd(a[2]))));
        Map<String, Long> byOutcome = new TreeMap<>();
        outcomes.forEach((o, n) -> byOutcome.put(o.label(), n));
        return new Figures(attempts, sessions.size(), retriedAttempts, outcomes.getOrDefault(Outcome.CANCELLED, 0L),
                lostAttempts, spendNanos, Money.usd(spendNanos), perArm, byOutcome, beyond);
    }

    /** Figures of one arm. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ArmFigures(long attempts, long sessions, long spendNanoUsd, double spendUsd) {
    }

    /** What pairs after the deciding pair cost: sessions launched before the decision was known. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Beyond(long decidingPair, long sessions, long attempts, long spendNanoUsd, double spendUsd) {
    }

    /**
     * A run's figures. {@code spendNanoUsd} is exact; {@code spendUsd} is the same amount as a
     * JSON number for readers.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Figures(long attempts, long sessionsLaunched, long retryAttempts, long cancelledAttempts,
            long lostAttempts, long spendNanoUsd, double spendUsd, Map<String, ArmFigures> arms, Map<String, Long> outcomes,
            Beyond beyondDecision) {
    }

    /** Sums the records of pairs after {@code decidingPair}. */
    public static final class BeyondCounter {
        private final long decidingPair;
        private final Set<String> sessions = new HashSet<>();
        private long attempts;
        private long nanos;

        public BeyondCounter(long decidingPair) {
            this.decidingPair = decidingPair;
        }

        public void add(SessionRecord r) {
            if (r.pair() > decidingPair) {
                sessions.add(r.sessionId());
                attempts++;
                nanos = Math.addExact(nanos, r.costNanos());
            }
        }

        public Beyond result() {
            return new Beyond(decidingPair, sessions.size(), attempts, nanos, Money.usd(nanos));
        }
    }
}
