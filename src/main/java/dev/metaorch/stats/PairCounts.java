package dev.metaorch.stats;

/**
 * Cumulative evidence from A/B pairs: the trinomial counts of pair scores (test loses, ties,
 * wins) and, for continuous metrics (lower is better: tokens, cost), the sums of the differences
 * {@code control − test}, of the control values, and of the log-ratios
 * {@code ln(1 + control/δ) − ln(1 + test/δ)} with δ = {@link #LOG_RESOLUTION} (so that a zero
 * metric stays finite; for any value well above a millionth of its unit — a token, a micro-dollar
 * — this is {@code ln(control/test)}), clipped to ±{@link #LOG_RATIO_CLIP}: a pair where one arm
 * cost nothing (a session that never reached the model) would otherwise weigh like hundreds of
 * ordinary pairs in the variance. Clipping is symmetric, so when the arms do not differ the
 * log-ratio's mean stays 0 (ADR-121). Immutable: {@link #plus} returns the next state.
 */
public record PairCounts(long losses, long ties, long wins, double diffSum, double diffSumSquares, double controlSum,
        double logRatioSum, double logRatioSumSquares) {
    public static final PairCounts EMPTY = new PairCounts(0, 0, 0, 0, 0, 0, 0, 0);

    /** δ of the log-ratio: metric values are read as multiples of a millionth of their unit. */
    public static final double LOG_RESOLUTION = 1e-6;

    /** Log-ratios are clipped to ±ln 100: no pair counts for more than a 100:1 ratio. */
    public static final double LOG_RATIO_CLIP = Math.log(100);

    /** The state without log-ratio sums (the trinomial and raw-difference evidence only). */
    public PairCounts(long losses, long ties, long wins, double diffSum, double diffSumSquares, double controlSum) {
        this(losses, ties, wins, diffSum, diffSumSquares, controlSum, 0, 0);
    }

    public long pairs() {
        return losses + ties + wins;
    }

    /** Adds one pair's success outcomes and metric values (lower metric is better; negative values count as 0). */
    public PairCounts plus(boolean controlSuccess, boolean testSuccess, double controlMetric, double testMetric) {
        long l = losses + (controlSuccess && !testSuccess ? 1 : 0);
        long w = wins + (testSuccess && !controlSuccess ? 1 : 0);
        long t = ties + (controlSuccess == testSuccess ? 1 : 0);
        double d = controlMetric - testMetric;
        double r = logRatio(controlMetric, testMetric);
        return new PairCounts(l, t, w, diffSum + d, diffSumSquares + d * d, controlSum + controlMetric,
                logRatioSum + r, logRatioSumSquares + r * r);
    }

    /** {@code ln(1 + control/δ) − ln(1 + test/δ)} clipped to ±ln 100: the log of control over test. */
    public static double logRatio(double controlMetric, double testMetric) {
        double r = Math.log1p(Math.max(0, controlMetric) / LOG_RESOLUTION) - Math.log1p(Math.max(0, testMetric) / LOG_RESOLUTION);
        return Math.max(-LOG_RATIO_CLIP, Math.min(LOG_RATIO_CLIP, r));
    }

    public static PairCounts ofTrinomial(long losses, long ties, long wins) {
        return new PairCounts(losses, ties, wins, 0, 0, 0, 0, 0);
    }

    /** Mean pair score (0..1); ½ means no difference. */
    public double meanScore() {
        long n = pairs();
        return n == 0 ? 0.5 : (wins + 0.5 * ties) / n;
    }
}
