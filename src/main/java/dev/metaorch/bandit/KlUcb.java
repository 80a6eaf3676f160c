package dev.metaorch.bandit;

import org.apache.commons.rng.UniformRandomProvider;

/**
 * KL-UCB (Garivier and Cappé 2011) with exploration ln n: pull each arm once, then
 * argmax max{q ∈ [μ̂_i, 1] : N_i · kl(μ̂_i, q) ≤ ln n} (first maximum on ties). The index is the
 * root of {@code kl(μ̂, q) = ln n / N} on [μ̂, 1), found by {@link #index} (Newton's method to
 * 1e-11).
 *
 * <p>Implementation notes (ADR-152). Solving every arm's index at every pull costs about 30
 * logarithms a pull; but only the argmax is needed, and most indices cannot change it. Each arm
 * keeps an <em>anchor</em> q₀ (its index when last solved) with ln q₀ and ln(1 − q₀). With
 * f(q) = kl(p, q) = p ln p + (1−p) ln(1−p) − p ln q − (1−p) ln(1−q), convex and increasing on
 * (p, 1), and d = ln n / N, the root r of f(r) = d is bracketed without any logarithm (ln of
 * integers comes from a table):
 * <ul>
 * <li>f(q₀) ≤ d: r ≥ q₀, and r ≤ q₀ + (d − f(q₀)) / f′(q₀) (the tangent lies below f);</li>
 * <li>f(q₀) > d: r ≤ q₀ + (d − f(q₀)) / f′(q₀) (a Newton step from the right stays right of r),
 * and r ≥ p + d (q₀ − p) / f(q₀) (the chord from (p, 0) lies above f);</li>
 * <li>either way, for any L ≤ r: |r − q₀| ≤ |d − f(q₀)| / f′(L), f′(q) = (q − p) / (q (1 − q))
 * being increasing — a tighter, still log-free bound used when the first ones overlap.</li>
 * </ul>
 * An arm whose upper bound is below the best lower bound cannot be the argmax. Only when the
 * brackets of the leader and a contender still overlap are their indices solved (and their
 * anchors moved there). Arms with the same counts have the same index and tie (first wins),
 * so the choice is the argmax of the exact indices, as if each were solved afresh at every pull
 * ({@code KlUcbTest} checks this pull by pull against such an eager policy).
 */
public final class KlUcb implements BanditPolicy {
    static final double TOLERANCE = 1e-11;
    /** ln m for m below this comes from a table; above it, from Math.log. */
    static final int LOG_TABLE_MAX = 1 << 16;

    private int k = -1;
    private long[] cachedPulls;
    private long[] cachedSuccesses;
    private double[] mean;
    private double[] invN;
    private double[] negEntropy;
    private double[] anchor;
    private double[] lnAnchor;
    private double[] ln1mAnchor;
    private double[] klAtAnchor;
    private double[] invSlope;
    private double[] lo;
    private double[] hi;
    private double[] logTable = {Double.NEGATIVE_INFINITY, 0};
    private long solves;

    @Override
    public String name() {
        return "kl-ucb";
    }

    @Override
    public int select(long[] pulls, long[] successes, long total, UniformRandomProvider rng) {
        int unpulled = BanditPolicy.firstUnpulled(pulls);
        if (unpulled >= 0) {
            return unpulled;
        }
        if (k != pulls.length) {
            allocate(pulls.length);
        }
        double logN = ln(total);
        int leader = 0;
        double leaderLo = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            if (cachedPulls[i] != pulls[i] || cachedSuccesses[i] != successes[i]) {
                counts(i, pulls[i], successes[i]);
            }
            bounds(i, logN * invN[i]);
            if (lo[i] > leaderLo) {
                leaderLo = lo[i];
                leader = i;
            }
        }
        if (!contested(leader, leaderLo)) {
            return leader;
        }
        for (int i = 0; i < k; i++) {
            if (i == leader || contender(i, leader, leaderLo)) {
                tighten(i, logN * invN[i]);
            }
        }
        leaderLo = lo[leader];
        for (int i = 0; i < k; i++) {
            if (lo[i] > leaderLo) {
                leaderLo = lo[i];
                leader = i;
            }
        }
        if (!contested(leader, leaderLo)) {
            return leader;
        }
        // still overlapping: solve the leader and its contenders and take the first maximum
        boolean[] solve = new boolean[k];
        for (int i = 0; i < k; i++) {
            solve[i] = i == leader || contender(i, leader, leaderLo);
        }
        int best = -1;
        for (int i = 0; i < k; i++) {
            if (!solve[i]) {
                continue;
            }
            solveAt(i, logN * invN[i]);
            if (best < 0 || lo[i] > lo[best] && !(pulls[i] == pulls[best] && successes[i] == successes[best])) {
                best = i;
            }
        }
        return best;
    }

    /** Pulls of the index solver so far (how often the brackets did not decide). */
    long solves() {
        return solves;
    }

    private boolean contested(int leader, double leaderLo) {
        for (int i = 0; i < k; i++) {
            if (i != leader && contender(i, leader, leaderLo)) {
                return true;
            }
        }
        return false;
    }

    private boolean contender(int i, int leader, double leaderLo) {
        return hi[i] > leaderLo || hi[i] == leaderLo && i < leader;
    }

    private void allocate(int arms) {
        k = arms;
        cachedPulls = new long[k];
        cachedSuccesses = new long[k];
        mean = new double[k];
        invN = new double[k];
        negEntropy = new double[k];
        anchor = new double[k];
        lnAnchor = new double[k];
        ln1mAnchor = new double[k];
        klAtAnchor = new double[k];
        invSlope = new double[k];
        lo = new double[k];
        hi = new double[k];
        java.util.Arrays.fill(anchor, Double.NaN);
    }

    /** New counts for arm i: its mean, p ln p + (1−p) ln(1−p), and f and f′ at its anchor. */
    private void counts(int i, long n, long s) {
        cachedPulls[i] = n;
        cachedSuccesses[i] = s;
        double p = (double) s / n;
        mean[i] = p;
        invN[i] = 1.0 / n;
        long f = n - s;
        negEntropy[i] = (xlnx(s) + xlnx(f)) / n - ln(n);
        if (anchor[i] > p) {
            atAnchor(i);
        } else {
            anchor[i] = Double.NaN;
        }
    }

    private void atAnchor(int i) {
        double p = mean[i];
        double q = anchor[i];
        klAtAnchor[i] = negEntropy[i] - p * lnAnchor[i] - (1 - p) * ln1mAnchor[i];
        invSlope[i] = q * (1 - q) / (q - p);
    }

    /** First, cheap bracket [lo, hi] of arm i's index for divergence budget d. */
    private void bounds(int i, double d) {
        double p = mean[i];
        if (p >= 1) {
            lo[i] = 1;
            hi[i] = 1;
            return;
        }
        double q = anchor[i];
        if (Double.isNaN(q)) {
            solveAt(i, d);
            return;
        }
        double delta = d - klAtAnchor[i];
        double newton = q + delta * invSlope[i];
        if (delta >= 0) {
            lo[i] = q;
            hi[i] = Math.min(1, newton);
        } else {
            lo[i] = p + d * (q - p) / klAtAnchor[i];
            hi[i] = newton;
        }
    }

    /** Tighter lower bound: |r − q₀| ≤ |d − f(q₀)| / f′(L) for any L ≤ r. */
    private void tighten(int i, double d) {
        double p = mean[i];
        if (p >= 1 || lo[i] == hi[i]) {
            return;
        }
        double q = anchor[i];
        double delta = d - klAtAnchor[i];
        if (delta >= 0) {
            if (hi[i] < 1) {
                lo[i] = Math.max(lo[i], q + delta / slope(p, hi[i]));
            }
        } else {
            lo[i] = Math.max(lo[i], q + delta / slope(p, lo[i]));
        }
    }

    private static double slope(double p, double q) {
        return (q - p) / (q * (1 - q));
    }

    /** Solves arm i's index for budget d and moves its anchor there. */
    private void solveAt(int i, double d) {
        solves++;
        double p = mean[i];
        double start = hi[i] > p && hi[i] < 1 ? hi[i] : Double.NaN;
        double r = index(p, d, start);
        lo[i] = r;
        hi[i] = r;
        if (r > p && r < 1) {
            anchor[i] = r;
            lnAnchor[i] = Math.log(r);
            ln1mAnchor[i] = Math.log1p(-r);
            atAnchor(i);
        } else {
            anchor[i] = Double.NaN;
        }
    }

    private double xlnx(long m) {
        return m == 0 ? 0 : m * ln(m);
    }

    /** ln m from the table (grown on demand up to LOG_TABLE_MAX entries). */
    private double ln(long m) {
        if (m < logTable.length) {
            return logTable[(int) m];
        }
        if (m >= LOG_TABLE_MAX) {
            return Math.log(m);
        }
        int size = (int) Math.min(LOG_TABLE_MAX, Math.max(2L * logTable.length, m + 1));
        double[] t = java.util.Arrays.copyOf(logTable, size);
        for (int j = logTable.length; j < size; j++) {
            t[j] = Math.log(j);
        }
        logTable = t;
        return t[(int) m];
    }

    /** Bernoulli Kullback–Leibler divergence kl(p, q). */
    public static double kl(double p, double q) {
        double a = p == 0 ? 0 : p * Math.log(p / q);
        double b = p == 1 ? 0 : (1 - p) * Math.log((1 - p) / (1 - q));
        return a + b;
    }

    /**
     * max{q ∈ [p, 1] : kl(p, q) ≤ d}, from the starting guess {@code start} (NaN or outside
     * (p, 1): the midpoint of [p, 1]). kl(p, ·) is convex and increasing there, so after at most
     * one step from the left, Newton converges monotonically from the right and never leaves (p, 1).
     */
    public static double index(double p, double d, double start) {
        if (d <= 0) {
            return p;
        }
        if (p >= 1) {
            return 1;
        }
        if (p <= 0) {
            return -Math.expm1(-d); // kl(0, q) = -ln(1 - q): closed form
        }
        double upperLimit = Math.nextDown(1.0);
        if (kl(p, upperLimit) <= d) {
            return upperLimit;
        }
        double q = start > p && start < 1 ? start : p + (1 - p) / 2;
        for (int iter = 0; iter < 100; iter++) {
            double f = kl(p, q) - d;
            double slope = (q - p) / (q * (1 - q));
            double next = q - f / slope;
            if (next <= p) {
                next = (p + q) / 2;
            } else if (next >= 1) {
                next = (q + 1) / 2;
            }
            if (Math.abs(next - q) < TOLERANCE) {
                return next;
            }
            q = next;
        }
        return q;
    }

    @Override
    public BanditPolicy copy() {
        return new KlUcb();
    }
}
