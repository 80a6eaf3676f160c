package dev.metaorch.stats;

/**
 * Wald's SPRT for one Bernoulli sequence: H0 p = p0 against H1 p = p1 (p1 > p0 or p1 < p0).
 * Each success adds {@code ln(p1/p0)}, each failure {@code ln((1-p1)/(1-p0))}.
 */
public record BernoulliSprt(double p0, double p1, SprtBounds bounds) {
    public BernoulliSprt {
        if (!(p0 > 0 && p0 < 1 && p1 > 0 && p1 < 1) || p0 == p1) {
            throw new IllegalArgumentException("need 0 < p0, p1 < 1 and p0 != p1, got " + p0 + ", " + p1);
        }
    }

    public double successIncrement() {
        return Math.log(p1 / p0);
    }

    public double failureIncrement() {
        return Math.log((1 - p1) / (1 - p0));
    }

    public double llr(long successes, long failures) {
        return successes * successIncrement() + failures * failureIncrement();
    }

    public Decision decide(long successes, long failures) {
        return bounds.decide(llr(successes, failures));
    }
}
