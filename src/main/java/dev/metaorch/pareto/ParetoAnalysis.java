package dev.metaorch.pareto;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.stats.Intervals;
import java.util.List;
import org.apache.commons.math3.distribution.BetaDistribution;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.AhrensDieterMarsagliaTsangGammaSampler;
import org.apache.commons.rng.sampling.distribution.ContinuousSampler;
import org.apache.commons.rng.simple.RandomSource;

/**
 * The Pareto front with its uncertainty. Each point carries its Wilson 95% interval and a label:
 * {@code front}; {@code confidently_dominated} (a no-more-expensive point whose Wilson interval
 * lies entirely above this one's); {@code probably_dominated} (a no-more-expensive point j with
 * P(p_j > p_i) ≥ 0.95 under independent Beta(1 + s, 1 + n − s) posteriors); else
 * {@code dominated}. Each point's probability of being on the front is estimated by drawing all
 * success rates from their posteriors (seeded) and recomputing the front.
 */
public final class ParetoAnalysis {
    private ParetoAnalysis() {
    }

    public static ObjectNode analyse(List<ParetoPoint> points, Double minSuccess, int draws, long seed) {
        boolean[] front = ParetoFront.sweep(points);
        double[] probability = frontProbability(points, draws, seed);
        ObjectNode o = Json.object();
        ArrayNode arr = o.putArray("points");
        for (int i = 0; i < points.size(); i++) {
            ParetoPoint p = points.get(i);
            double[] ci = Intervals.wilson(p.successes(), p.sessions(), 0.95);
            ObjectNode n = arr.addObject();
            n.put("name", p.name()).put("cost", p.cost()).put("successes", p.successes()).put("sessions", p.sessions())
                    .put("success_rate", p.successRate());
            n.putArray("ci").add(ci[0]).add(ci[1]);
            n.put("label", front[i] ? "front" : label(points, i, ci));
            n.put("front_probability", probability[i]);
        }
        ArrayNode f = o.putArray("front");
        ParetoFront.names(points, front).forEach(f::add);
        if (minSuccess != null) {
            o.set("min_success", minSuccess(points, minSuccess));
        }
        o.put("front_probability_draws", draws).put("seed", seed);
        return o;
    }

    private static String label(List<ParetoPoint> points, int i, double[] ci) {
        ParetoPoint p = points.get(i);
        boolean probably = false;
        for (int j = 0; j < points.size(); j++) {
            ParetoPoint q = points.get(j);
            if (j == i || q.cost() > p.cost()) {
                continue;
            }
            double[] cj = Intervals.wilson(q.successes(), q.sessions(), 0.95);
            if (cj[0] > ci[1]) {
                return "confidently_dominated";
            }
            probably |= probabilityGreater(q, p) >= 0.95;
        }
        return probably ? "probably_dominated" : "dominated";
    }

    /**
     * P(p_a > p_b) for independent Beta(1 + s, 1 + n − s) posteriors: ∫ f_a(x) F_b(x) dx by the
     * midpoint rule on 4,000 points over the range where f_a has mass (its 1e-9 and 1 − 1e-9
     * quantiles), with Commons Math's Beta density and distribution function.
     */
    public static double probabilityGreater(ParetoPoint a, ParetoPoint b) {
        BetaDistribution fa = new BetaDistribution(null, 1 + a.successes(), 1 + a.sessions() - a.successes());
        BetaDistribution fb = new BetaDistribution(null, 1 + b.successes(), 1 + b.sessions() - b.successes());
        double lo = fa.inverseCumulativeProbability(1e-9);
        double hi = fa.inverseCumulativeProbability(1 - 1e-9);
        int n = 4000;
        double h = (hi - lo) / n;
        double sum = 0;
        for (int k = 0; k < n; k++) {
            double x = lo + (k + 0.5) * h;
            sum += fa.density(x) * fb.cumulativeProbability(x);
        }
        return Math.max(0, Math.min(1, sum * h));
    }

    static double[] frontProbability(List<ParetoPoint> points, int draws, long seed) {
        int n = points.size();
        double[] hits = new double[n];
        if (draws <= 0 || n == 0) {
            return hits;
        }
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(seed);
        ContinuousSampler[] alpha = new ContinuousSampler[n];
        ContinuousSampler[] beta = new ContinuousSampler[n];
        for (int i = 0; i < n; i++) {
            ParetoPoint p = points.get(i);
            alpha[i] = AhrensDieterMarsagliaTsangGammaSampler.of(rng, 1 + p.successes(), 1);
            beta[i] = AhrensDieterMarsagliaTsangGammaSampler.of(rng, 1 + p.sessions() - p.successes(), 1);
        }
        for (int d = 0; d < draws; d++) {
            List<ParetoPoint> drawn = new java.util.ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                ParetoPoint p = points.get(i);
                double x = alpha[i].sample();
                double rate = x / (x + beta[i].sample());
                long scaled = Math.round(rate * 1_000_000_000L);
                drawn.add(new ParetoPoint(p.name(), p.cost(), scaled, 1_000_000_000L));
            }
            boolean[] f = ParetoFront.sweep(drawn);
            for (int i = 0; i < n; i++) {
                hits[i] += f[i] ? 1 : 0;
            }
        }
        for (int i = 0; i < n; i++) {
            hits[i] /= draws;
        }
        return hits;
    }

    /**
     * The cheapest point whose success rate reaches {@code threshold}, and its cost as a share of
     * the most successful point's cost (seed 001: "80% success at 30% cost").
     */
    static ObjectNode minSuccess(List<ParetoPoint> points, double threshold) {
        ObjectNode o = Json.object();
        o.put("threshold", threshold);
        ParetoPoint cheapest = null;
        ParetoPoint best = null;
        for (ParetoPoint p : points) {
            if (p.successRate() >= threshold && (cheapest == null || p.cost() < cheapest.cost())) {
                cheapest = p;
            }
            if (best == null || p.successRate() > best.successRate()
                    || (p.successRate() == best.successRate() && p.cost() < best.cost())) {
                best = p;
            }
        }
        if (cheapest == null) {
            o.putNull("name").putNull("cost").putNull("cost_share");
            o.put("note", "no point reaches the threshold");
            return o;
        }
        o.put("name", cheapest.name()).put("cost", cheapest.cost()).put("success_rate", cheapest.successRate())
                .put("most_successful", best.name())
                .put("cost_share", best.cost() == 0 ? null : cheapest.cost() / best.cost());
        return o;
    }
}
