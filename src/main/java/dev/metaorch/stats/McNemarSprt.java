package dev.metaorch.stats;

/**
 * The conditional McNemar SPRT: only discordant pairs count. Given a pair is discordant, the
 * test wins it with probability ½ under H0 and {@code q1 = ½ + Δ/(2d)} under H1, where d is
 * the assumed share of discordant pairs. An exact Bernoulli SPRT on the discordant pairs.
 */
public record McNemarSprt(double minEffect, double discordance, boolean regression, SprtBounds bounds) {
    public McNemarSprt {
        if (!(discordance > minEffect)) {
            throw new IllegalArgumentException("discordance must exceed the effect (" + discordance + " <= " + minEffect + ")");
        }
    }

    public double q1() {
        double shift = minEffect / (2 * discordance);
        return regression ? 0.5 - shift : 0.5 + shift;
    }

    public BernoulliSprt asBernoulli() {
        return new BernoulliSprt(0.5, q1(), bounds);
    }

    public double llr(long wins, long losses) {
        return asBernoulli().llr(wins, losses);
    }
}
