package dev.metaorch.experiment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import java.util.Locale;
import org.apache.commons.math3.distribution.BinomialDistribution;

/**
 * The short guard that a run restricted to selected tasks runs on the tasks it left out: paired
 * sessions on the excluded tasks, and a one-sided exact sign test on the discordant pairs (the
 * conditional test McNemar's is the normal approximation of) that the test config is not worse
 * there: a regression when {@code P(Binomial(wins + losses, ½) ≤ wins) < α}.
 * <p>Size (ADR-132): the fewest pairs (at least 10) whose exact power — discordant pairs
 * {@code D ~ Binomial(n, d)}, wins among them {@code ~ Binomial(D, p_win / d)} — reaches 0.8 at
 * one-sided α = 0.05 against a <em>serious</em> regression, twice the effect the run looks for,
 * at the planning discordance d. At the demo's settings (effect 0.15, d = 0.38, a drop of 0.30:
 * wins 0.04, losses 0.34) that is 28 pairs, against 141 for the fixed design on the whole suite.
 * A smaller regression on the excluded tasks can pass the guard, and the result says so.
 *
 * @param pairs pairs to run on the excluded tasks
 * @param regression the success-rate drop the guard is sized to catch
 * @param alpha one-sided significance
 * @param power exact power against {@code regression} at {@code discordance}
 * @param discordance planning discordance (share of pairs whose outcomes differ)
 */
public record SelectionGuard(int pairs, double regression, double alpha, double power, double discordance) {
    static final double ALPHA = 0.05;
    static final double TARGET_POWER = 0.8;
    static final int MIN_PAIRS = 10;
    static final int MAX_PAIRS = 2000;

    /**
     * The pair number guard pair k is logged under: {@code −(k+1)}, so guard sessions share the
     * run's log, seeds scheme and ledger but never a pair number with the main test (0, 1, 2, …).
     */
    public static long logPair(long k) {
        return -(k + 1);
    }

    /** True for a session of the guard (logged under a negative pair number). */
    public static boolean isGuard(dev.metaorch.session.SessionRecord r) {
        return r.pair() < 0;
    }

    /** The result's {@code guard} field when the guard did not run (or did not finish). */
    public static ObjectNode notRun(String reason) {
        ObjectNode o = Json.object();
        o.put("ran", false).put("reason", reason);
        return o;
    }

    /** The guard for a run that looks for {@code minEffect} at planning discordance {@code discordance}. */
    public static SelectionGuard plan(double minEffect, double discordance) {
        double delta = Math.min(1, 2 * minEffect);
        double d = Math.min(1, Math.max(discordance, delta));
        double win = (d - delta) / 2;
        int n = MIN_PAIRS;
        double power = power(n, d, win, ALPHA);
        while (power < TARGET_POWER && n < MAX_PAIRS) {
            power = power(++n, d, win, ALPHA);
        }
        return new SelectionGuard(n, delta, ALPHA, power, discordance);
    }

    /** Exact probability that {@link #judge} flags a regression in {@code n} pairs (discordance d, P(test wins) = win). */
    static double power(int n, double d, double win, double alpha) {
        BinomialDistribution discordant = new BinomialDistribution(null, n, d);
        double total = 0;
        for (int k = 1; k <= n; k++) {
            int c = critical(k, alpha);
            if (c >= 0) {
                total += discordant.probability(k) * new BinomialDistribution(null, k, win / d).cumulativeProbability(c);
            }
        }
        return total;
    }

    /** The largest number of wins among k discordant pairs that the sign test calls a regression, or -1. */
    static int critical(int k, double alpha) {
        BinomialDistribution null0 = new BinomialDistribution(null, k, 0.5);
        int c = -1;
        while (c + 1 <= k && null0.cumulativeProbability(c + 1) < alpha) {
            c++;
        }
        return c;
    }

    /** The guard's verdict. */
    public record Verdict(long pairs, long wins, long ties, long losses, double difference, double pValue,
            boolean regression) {
        public ObjectNode toJson(SelectionGuard g) {
            ObjectNode o = Json.object();
            o.put("ran", true).put("pairs", pairs).put("wins", wins).put("ties", ties).put("losses", losses)
                    .put("success_difference", difference).put("p_value", pValue).put("regression", regression)
                    .put("test", "one-sided exact sign test on the discordant pairs")
                    .put("sized_for", String.format(Locale.ROOT, "a drop of %.2f with power %.2f at one-sided alpha %.2f "
                            + "and discordance %.2f (%d pairs)", g.regression(), g.power(), g.alpha(), g.discordance(),
                            g.pairs()))
                    .put("note", regression ? "the test config is worse on the excluded tasks: do not accept it for the "
                            + "whole suite" : String.format(Locale.ROOT, "no regression detected on the excluded tasks; "
                            + "a drop smaller than %.2f can pass the guard", g.regression()));
            return o;
        }
    }

    /** The verdict on the guard's pairs (+1 test wins, 0 tie, −1 control wins). */
    public Verdict judge(long wins, long ties, long losses) {
        long n = wins + ties + losses;
        long k = wins + losses;
        double p = k == 0 ? 1 : new BinomialDistribution(null, (int) k, 0.5).cumulativeProbability((int) wins);
        return new Verdict(n, wins, ties, losses, n == 0 ? 0 : (double) (wins - losses) / n, p, p < alpha);
    }
}
