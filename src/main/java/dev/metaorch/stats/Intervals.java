package dev.metaorch.stats;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.stat.interval.ConfidenceInterval;
import org.apache.commons.math3.stat.interval.WilsonScoreInterval;

/** Confidence intervals for proportions. */
public final class Intervals {
    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

    private Intervals() {
    }

    public static double z(double confidence) {
        return NORMAL.inverseCumulativeProbability(1 - (1 - confidence) / 2);
    }

    /** Wilson score interval (Wilson 1927), from Commons Math; [0, 1] for n = 0. */
    public static double[] wilson(long successes, long n, double confidence) {
        if (n == 0) {
            return new double[] {0, 1};
        }
        ConfidenceInterval ci = new WilsonScoreInterval().createInterval((int) n, (int) successes, confidence);
        return new double[] {Math.max(0, ci.getLowerBound()), Math.min(1, ci.getUpperBound())};
    }

    /**
     * Newcombe's hybrid score interval for p1 − p2 of independent proportions (Newcombe 1998,
     * method 10), built from the two Wilson intervals.
     */
    public static double[] newcombe(long s1, long n1, long s2, long n2, double confidence) {
        double p1 = n1 == 0 ? 0 : (double) s1 / n1;
        double p2 = n2 == 0 ? 0 : (double) s2 / n2;
        double[] w1 = wilson(s1, n1, confidence);
        double[] w2 = wilson(s2, n2, confidence);
        double d = p1 - p2;
        double lower = d - Math.sqrt(sq(p1 - w1[0]) + sq(w2[1] - p2));
        double upper = d + Math.sqrt(sq(w1[1] - p1) + sq(p2 - w2[0]));
        return new double[] {lower, upper};
    }

    private static double sq(double v) {
        return v * v;
    }
}
