package dev.metaorch.stats;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The SPRT calculator behind {@code metaorch sprt test}: the LLR and decision for observed
 * counts, optionally with Siegmund's overshoot correction of the bounds (exact tests only: the
 * one-sample Bernoulli test and the McNemar test; never the GSPRT, see ADR-004).
 * Argument problems are {@link IllegalArgumentException}s whose message the caller shows.
 */
public final class SprtCalculator {
    /**
     * Largest count accepted: far beyond any experiment, and small enough that sums of counts
     * stay exact in a double, so the maximum-likelihood fits keep converging.
     */
    public static final long MAX_COUNT = 1_000_000_000_000L;

    private SprtCalculator() {
    }

    /** What every test reports: the LLR, the bounds it is compared with, and the decision. */
    public interface Result {
        double llr();

        double lower();

        double upper();

        Decision decision();
    }

    /** The one-sample Bernoulli SPRT (p0 vs p1) on successes and failures. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BernoulliResult(String test, double p0, double p1, long successes, long failures, double llr,
            double lower, double upper, Decision decision,
            @JsonProperty("overshoot_correction") boolean overshootCorrection) implements Result {
    }

    /** The paired test (GSPRT or McNemar) on wins, ties and losses. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PairedResult(String test, Direction direction, long wins, long ties, long losses, double s0, double s1,
            double llr, double lower, double upper, Decision decision,
            @JsonProperty("overshoot_correction") boolean overshootCorrection,
            @JsonProperty("llr_worse") Double llrWorse, Direction found) implements Result {
    }

    public static BernoulliResult bernoulli(long successes, long failures, double p0, double p1, SprtBounds bounds,
            boolean overshoot) {
        checkCounts(successes, failures);
        BernoulliSprt t = new BernoulliSprt(p0, p1, bounds);
        double llr = t.llr(successes, failures);
        double[] b = {bounds.lower(), bounds.upper()};
        if (overshoot) {
            // SD of one increment under the null: |ln(p1/p0) - ln(q1/q0)| * sqrt(p0 q0)
            b = bounds.withOvershootCorrection(Math.abs(t.successIncrement() - t.failureIncrement())
                    * Math.sqrt(p0 * (1 - p0)));
        }
        return new BernoulliResult("bernoulli", p0, p1, successes, failures, llr, b[0], b[1], decide(llr, b), overshoot);
    }

    /** The paired test of {@code rule} ({@code gsprt} or {@code mcnemar}) on the counts. */
    public static PairedResult paired(StoppingRule rule, long wins, long ties, long losses, boolean overshoot) {
        checkCounts(wins, ties, losses);
        if (overshoot && !rule.test().equals("mcnemar")) {
            throw new IllegalArgumentException("the overshoot correction is only for the exact tests (bernoulli, mcnemar); "
                    + "the GSPRT is used without it");
        }
        StoppingRule.Evaluation ev = rule.evaluate(PairCounts.ofTrinomial(losses, ties, wins));
        double lower = ev.lower();
        double upper = ev.upper();
        Decision decision = ev.decision();
        if (overshoot) {
            BernoulliSprt m = new McNemarSprt(rule.minEffect(), rule.discordance(), rule.direction() == Direction.WORSE,
                    rule.bounds()).asBernoulli();
            // a discordant pair is a fair coin under the null: SD of one increment is half the step
            double[] b = rule.bounds().withOvershootCorrection(Math.abs(m.successIncrement() - m.failureIncrement()) * 0.5);
            lower = b[0];
            upper = b[1];
            decision = decide(ev.llr(), b);
        }
        if (!Double.isFinite(ev.llr())) {
            throw new IllegalArgumentException("the counts give no finite log-likelihood ratio");
        }
        return new PairedResult(rule.test(), rule.direction(), wins, ties, losses, 0.5, 0.5 + rule.minEffect() / 2,
                ev.llr(), lower, upper, decision, overshoot, ev.llrWorse(), ev.found());
    }

    private static Decision decide(double llr, double[] b) {
        return llr >= b[1] ? Decision.ACCEPT_H1 : llr <= b[0] ? Decision.ACCEPT_H0 : Decision.CONTINUE;
    }

    private static void checkCounts(long... counts) {
        long total = 0;
        for (long c : counts) {
            if (c < 0) {
                throw new IllegalArgumentException("counts must be >= 0, got " + c);
            }
            if (c > MAX_COUNT || total + c > MAX_COUNT) {
                throw new IllegalArgumentException("counts must add up to at most " + MAX_COUNT + " (10^12), got " + c);
            }
            total += c;
        }
    }
}
