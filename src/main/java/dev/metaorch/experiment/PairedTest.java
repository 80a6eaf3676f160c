package dev.metaorch.experiment;

import dev.metaorch.analysis.ArmStats;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.stats.Decision;
import dev.metaorch.stats.PairCounts;
import dev.metaorch.stats.StoppingRule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sequential test of a paired run, fed with attempt records in any order: it keeps each
 * session's final attempt and evaluates complete pairs strictly in pair order, so the run, a
 * resume and {@code watch} reach the same state from the same log.
 * <p>Intention to treat (ADR-018): a session whose last attempt ended in {@code error} or
 * {@code timeout} after its retries counts as a failure of its arm. A pair whose two sessions
 * both ended so is an <em>outage pair</em>: no evidence about either config, held out of the
 * test and counted. {@code cancelled} attempts are never final (a resume runs them again).
 * Pairs on tasks where the metric is not defined are skipped. After a decision nothing more is
 * fed. A rate metric scores a session by {@link Metric#scored}.
 */
public final class PairedTest {
    public static final int CONTROL = 0;
    public static final int TEST = 1;

    private final StoppingRule rule;
    private final int retries;
    private final boolean fixedDesign;
    private final long fixedPairs;
    private final Metric metric;
    private long notApplicable;
    private final Map<Long, SessionRecord[]> waiting = new HashMap<>();
    private final List<Double> trace = new ArrayList<>();
    private final List<Long> outagePairs = new ArrayList<>();
    private final ArmStats[] stats = {new ArmStats(), new ArmStats()};
    private final long[] ittFailures = new long[2];
    private final long[] successes = new long[2];
    private final long[] infraFinals = new long[2];
    private final long[] finals = new long[2];
    private final Map<String, int[]> flips = new TreeMap<>();
    private PairCounts counts = PairCounts.EMPTY;
    private StoppingRule.Evaluation evaluation;
    private long nextPair;
    private Decision decision;
    private Long decidingPair;

    /**
     * @param fixedPairs for a fixed design, the pairs it runs (then the rule never stops it early);
     *                   ignored for a sequential one
     */
    public PairedTest(StoppingRule rule, int retries, boolean fixedDesign, long fixedPairs, Metric metric) {
        this.rule = rule;
        this.retries = retries;
        this.fixedDesign = fixedDesign;
        this.fixedPairs = fixedPairs;
        this.metric = metric;
        this.evaluation = rule.evaluate(counts);
    }

    /** True when {@code r} ends its session: not cancelled, and a valid outcome or retries used up. */
    public boolean isFinal(SessionRecord r) {
        return isFinal(r, retries);
    }

    /** A session's last word: not cancelled, and a real outcome or an infrastructure one after its retries. */
    static boolean isFinal(SessionRecord r, int retries) {
        if (r.outcome() == Outcome.CANCELLED) {
            return false;
        }
        return !r.outcome().isInfrastructure() || r.attempt() > retries;
    }

    /**
     * Takes an attempt record; when it ends its session, evaluates every pair now complete in pair
     * order. Returns true when this call reached a decision.
     */
    public boolean accept(SessionRecord r, int arm) {
        if (!isFinal(r) || decision != null) {
            return false;
        }
        SessionRecord[] pair = waiting.computeIfAbsent(r.pair(), k -> new SessionRecord[2]);
        if (pair[arm] != null && pair[arm].attempt() >= r.attempt()) {
            return false;
        }
        pair[arm] = r;
        boolean decided = false;
        while (decision == null) {
            SessionRecord[] p = waiting.get(nextPair);
            if (p == null || p[CONTROL] == null || p[TEST] == null || (fixedDesign && nextPair >= fixedPairs)) {
                break;
            }
            waiting.remove(nextPair);
            decided |= evaluate(nextPair, p[CONTROL], p[TEST]);
            nextPair++;
        }
        return decided;
    }

    private boolean evaluate(long pair, SessionRecord c, SessionRecord t) {
        if (!metric.definedOn(c) || !metric.definedOn(t)) {
            notApplicable++;
            return false;
        }
        boolean cInfra = c.outcome().isInfrastructure();
        boolean tInfra = t.outcome().isInfrastructure();
        finals[CONTROL]++;
        finals[TEST]++;
        infraFinals[CONTROL] += cInfra ? 1 : 0;
        infraFinals[TEST] += tInfra ? 1 : 0;
        if (cInfra && tInfra) {
            outagePairs.add(pair);
            return false;
        }
        boolean cs = metric.scored(c);
        boolean ts = metric.scored(t);
        ittFailures[CONTROL] += cInfra ? 1 : 0;
        ittFailures[TEST] += tInfra ? 1 : 0;
        successes[CONTROL] += cs ? 1 : 0;
        successes[TEST] += ts ? 1 : 0;
        counts = counts.plus(cs, ts, metric.of(c), metric.of(t));
        stats[CONTROL].add(c);
        stats[TEST].add(t);
        int[] f = flips.computeIfAbsent(c.task().id(), k -> new int[2]);
        f[0] += ts && !cs ? 1 : 0;
        f[1] += cs && !ts ? 1 : 0;
        evaluation = rule.evaluate(counts);
        trace.add(evaluation.llr());
        if (!fixedDesign && evaluation.decision().isFinal()) {
            decision = evaluation.decision();
            decidingPair = pair;
            return true;
        }
        return false;
    }

    /** Pairs on tasks where the metric is not defined (early termination on a solvable task). */
    public long notApplicable() {
        return notApplicable;
    }

    public Metric metric() {
        return metric;
    }

    public StoppingRule rule() {
        return rule;
    }

    public PairCounts counts() {
        return counts;
    }

    public StoppingRule.Evaluation evaluation() {
        return evaluation;
    }

    /** The sequential decision, or null while none (a fixed design never decides here). */
    public Decision decision() {
        return decision;
    }

    /** The pair whose evaluation decided, or null. */
    public Long decidingPair() {
        return decidingPair;
    }

    /** The next pair the test waits for. */
    public long nextPair() {
        return nextPair;
    }

    public List<Double> trace() {
        return List.copyOf(trace);
    }

    public List<Long> outagePairs() {
        return List.copyOf(outagePairs);
    }

    /** Trajectory metrics of the arm's sessions in the test (valid outcomes; infrastructure counted apart). */
    public ArmStats stats(int arm) {
        return stats[arm];
    }

    /** Sessions of the arm in the test (pairs fed). */
    public long sessions(int arm) {
        return counts.pairs();
    }

    /** Successes of the arm in the test. */
    public long successes(int arm) {
        return successes[arm];
    }

    /** Sessions of the arm counted as failures by intention to treat (error or timeout after retries). */
    public long ittFailures(int arm) {
        return ittFailures[arm];
    }

    /** Sessions of the arm whose pair was evaluated (outage pairs included). */
    public long finals(int arm) {
        return finals[arm];
    }

    /** Of those, the ones that ended in error or timeout after their retries. */
    public long infrastructureFinals(int arm) {
        return infraFinals[arm];
    }

    /** Per task id: {test-only successes, control-only successes}. */
    public Map<String, int[]> flips() {
        return flips;
    }
}
