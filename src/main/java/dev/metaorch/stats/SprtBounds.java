package dev.metaorch.stats;

/**
 * Wald's stopping bounds for error rates alpha (type I) and beta (type II):
 * lower {@code ln(beta/(1-alpha))}, upper {@code ln((1-beta)/alpha)} (Wald 1947, eq. 3:20).
 */
public record SprtBounds(double alpha, double beta) {
    public SprtBounds {
        if (!(alpha > 0 && alpha < 1) || !(beta > 0 && beta < 1)) {
            throw new IllegalArgumentException("alpha and beta must be in (0, 1), got " + alpha + ", " + beta);
        }
    }

    public double lower() {
        return Math.log(beta / (1 - alpha));
    }

    public double upper() {
        return Math.log((1 - beta) / alpha);
    }

    /** The decision for a log-likelihood ratio: H1 at or above the upper bound, H0 at or below the lower. */
    public Decision decide(double llr) {
        if (llr >= upper()) {
            return Decision.ACCEPT_H1;
        }
        if (llr <= lower()) {
            return Decision.ACCEPT_H0;
        }
        return Decision.CONTINUE;
    }

    /**
     * Bounds pulled inward by the expected overshoot (Siegmund's corrected diffusion
     * approximation: 0.583 times the standard deviation of one increment), for the exact
     * Bernoulli and McNemar tests only.
     */
    public double[] withOvershootCorrection(double incrementSd) {
        double shift = 0.583 * incrementSd;
        return new double[] {lower() + shift, upper() - shift};
    }
}
