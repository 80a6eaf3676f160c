package dev.metaorch.stats;

/**
 * Cumulative evidence from A/B pairs: the trinomial counts of pair scores (test loses, ties,
 * wins) and, for continuous metrics, the sums of the differences {@code control − test} and of
 * the control values. Immutable: {@link #plus} returns the next state.
 */
public record PairCounts(long losses, long ties, long wins, double diffSum, double diffSumSquares, double controlSum) {
    public static final PairCounts EMPTY = new PairCounts(0, 0, 0, 0, 0, 0);

    public long pairs() {
        return losses + ties + wins;
    }

    /** Adds one pair's success outcomes and metric values (lower metric is better). */
    public PairCounts plus(boolean controlSuccess, boolean testSuccess, double controlMetric, double testMetric) {
        long l = losses + (controlSuccess && !testSuccess ? 1 : 0);
        long w = wins + (testSuccess && !controlSuccess ? 1 : 0);
        long t = ties + (controlSuccess == testSuccess ? 1 : 0);
        double d = controlMetric - testMetric;
        return new PairCounts(l, t, w, diffSum + d, diffSumSquares + d * d, controlSum + controlMetric);
    }

    public static PairCounts ofTrinomial(long losses, long ties, long wins) {
        return new PairCounts(losses, ties, wins, 0, 0, 0);
    }

    /** Mean pair score (0..1); ½ means no difference. */
    public double meanScore() {
        long n = pairs();
        return n == 0 ? 0.5 : (wins + 0.5 * ties) / n;
    }
}
