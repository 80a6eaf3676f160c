package dev.metaorch.stats;

/**
 * The stopping rule of an A/B run: which sequential test, which direction, its error rates,
 * the minimum effect and the truncation cap (in pairs). {@link #evaluate} is a pure function of
 * the cumulative counts, so replaying pairs in pair order always reproduces the decision.
 *
 * @param test {@code gsprt} (trinomial, default), {@code mcnemar} (discordant pairs) or
 *             {@code normal} (continuous metric, lower is better: a GSPRT on the log-ratios
 *             ln(control/test) with H1 θ1 = −ln(1 − minEffect), i.e. the test's typical value
 *             {@code minEffect} lower — fixed before the run, scale-free, right for skewed costs;
 *             no decision before {@link NormalGsprt#DEFAULT_MIN_PAIRS} pairs; ADR-121)
 */
public record StoppingRule(String test, Direction direction, double alpha, double beta, double minEffect,
        double discordance, long cap) {

    /** One evaluation: the decision, the LLR (of the improvement side) and its bounds. */
    public record Evaluation(Decision decision, double llr, double lower, double upper, Direction found,
            Double llrWorse) {
    }

    public SprtBounds bounds() {
        return direction == Direction.BOTH ? new SprtBounds(alpha / 2, beta) : new SprtBounds(alpha, beta);
    }

    public Evaluation evaluate(PairCounts c) {
        SprtBounds b = bounds();
        double better = direction == Direction.WORSE ? Double.NaN : llr(c, false, b);
        double worse = direction == Direction.BETTER ? Double.NaN : llr(c, true, b);
        Decision decision;
        Direction found = null;
        double llr;
        switch (direction) {
            case BETTER -> {
                decision = b.decide(better);
                llr = better;
                found = decision == Decision.ACCEPT_H1 ? Direction.BETTER : null;
            }
            case WORSE -> {
                decision = b.decide(worse);
                llr = worse;
                found = decision == Decision.ACCEPT_H1 ? Direction.WORSE : null;
            }
            default -> {
                Decision up = b.decide(better);
                Decision down = b.decide(worse);
                llr = better;
                if (up == Decision.ACCEPT_H1) {
                    decision = Decision.ACCEPT_H1;
                    found = Direction.BETTER;
                } else if (down == Decision.ACCEPT_H1) {
                    decision = Decision.ACCEPT_H1;
                    found = Direction.WORSE;
                } else if (up == Decision.ACCEPT_H0 && down == Decision.ACCEPT_H0) {
                    decision = Decision.ACCEPT_H0;
                } else {
                    decision = Decision.CONTINUE;
                }
            }
        }
        if (decision == Decision.CONTINUE && c.pairs() >= cap) {
            decision = Decision.INCONCLUSIVE;
        }
        return new Evaluation(decision, llr, b.lower(), b.upper(), found,
                direction == Direction.BOTH ? worse : null);
    }

    private double llr(PairCounts c, boolean regression, SprtBounds b) {
        return switch (test) {
            case "gsprt" -> TrinomialGsprt.forEffect(minEffect, regression, b).llr(c.losses(), c.ties(), c.wins());
            case "mcnemar" -> new McNemarSprt(minEffect, discordance, regression, b).llr(c.wins(), c.losses());
            case "normal" -> new NormalGsprt(NormalGsprt.logTheta(minEffect, regression), b)
                    .llr(c.pairs(), c.logRatioSum(), c.logRatioSumSquares());
            default -> throw new IllegalArgumentException("unknown test '" + test + "' (gsprt, mcnemar, normal)");
        };
    }
}
