package dev.metaorch.variant.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Hashing;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.config.Task;
import dev.metaorch.config.TaskSuite;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.core.source64.SplitMix64;

/**
 * The simulated agent's world and parameters (documented in configs/README.md).
 * <ul>
 * <li>Solvable task: success probability
 * {@code p = clamp(1 − difficulty / reach(model) + skill + Σ success effect of each guideline on the task's code, 0, 1)}.</li>
 * <li>Impossible task: the right answer is to reject it; probability
 * {@code r = clamp(reject_impossible + Σ rejects_impossible of each guideline, 0, 1)}.</li>
 * <li>An agent escalates to a human with probability {@code escalation_rate} instead of finishing.</li>
 * <li>Steps, tokens and latency follow from the outcome, the task's optimal steps,
 * {@code thoroughness}, the guidelines' step and token factors and the model's speed.</li>
 * </ul>
 * Every random draw comes from a stream seeded by the session seed, so a session is a pure
 * function of (config, task, seed).
 */
public final class SimulatedModel {
    static final Map<String, Double> DEFAULT_REACH = Map.of(
            "gpt-4o", 0.95, "gpt-4o-mini", 0.80, "gpt-4.1", 0.97, "gpt-4.1-mini", 0.85,
            "claude-sonnet-4", 0.97, "claude-3-5-haiku", 0.78, "gemini-2.0-flash", 0.75);

    final double reach;
    final double msPerStep;
    final double skill;
    final double thoroughness;
    final double promptTokens;
    final double contextGrowth;
    final double completionTokens;
    final double cacheRate;
    final double escalationRate;
    final double rejectImpossible;
    final double errorRate;
    final boolean realLatency;
    final double latencyScale;
    final double stepsFactor;
    final double tokensFactor;
    final Map<String, Double> codeEffects;
    final double guidelineRejects;

    public SimulatedModel(ResolvedConfig config, TaskSuite suite) {
        ObjectNode params = config.params();
        ObjectNode sim = suite.simulation();
        String model = config.modelId();
        JsonNode m = sim.path("models").path(model);
        double defaultReach = DEFAULT_REACH.getOrDefault(model, 0.8);
        this.reach = number(params, "reach", m.path("reach").asDouble(defaultReach), config);
        this.msPerStep = number(params, "ms_per_step", m.path("ms_per_step").asDouble(1500), config);
        this.skill = number(params, "skill", 0, config);
        this.thoroughness = number(params, "thoroughness", 1, config);
        this.promptTokens = number(params, "prompt_tokens", 1500, config);
        this.contextGrowth = number(params, "context_growth", 250, config);
        this.completionTokens = number(params, "completion_tokens", 120, config);
        this.cacheRate = number(params, "cache_rate", 0, config);
        this.escalationRate = number(params, "escalation_rate", 0, config);
        this.rejectImpossible = number(params, "reject_impossible", 0.1, config);
        this.errorRate = number(params, "error_rate", 0, config);
        this.latencyScale = number(params, "latency_scale", 1, config);
        this.realLatency = params.path("real_latency").asBoolean(false);
        if (reach <= 0 || thoroughness <= 0 || latencyScale < 0) {
            throw MetaorchException.invalidInput(config.file() + ": /params: reach and thoroughness must be > 0, latency_scale >= 0");
        }
        double steps = 1;
        double tokens = 1;
        double rejects = 0;
        Map<String, Double> effects = new TreeMap<>();
        List<String> guidelines = config.guidelines();
        for (String g : guidelines) {
            JsonNode ge = sim.path("guidelines").path(g);
            steps *= ge.path("steps").asDouble(1);
            tokens *= ge.path("tokens").asDouble(1);
            rejects += ge.path("rejects_impossible").asDouble(0);
            ge.path("success").properties().forEach(e -> effects.merge(e.getKey(), e.getValue().asDouble(), Double::sum));
        }
        this.stepsFactor = steps;
        this.tokensFactor = tokens;
        this.guidelineRejects = rejects;
        this.codeEffects = Map.copyOf(effects);
    }

    private static double number(ObjectNode params, String key, double fallback, ResolvedConfig config) {
        JsonNode n = params.get(key);
        if (n == null) {
            return fallback;
        }
        if (!n.isNumber()) {
            throw MetaorchException.invalidInput(config.sourceOf("/params/" + key) + ": /params/" + key
                    + ": expected a number, got " + n);
        }
        return n.asDouble();
    }

    /** The true probability that a session on {@code task} succeeds (before escalation). */
    public double successProbability(Task task) {
        if (!task.solvable()) {
            return clamp(rejectImpossible + guidelineRejects);
        }
        return clamp(1 - task.difficulty() / reach + skill + codeEffects.getOrDefault(task.code(), 0.0));
    }

    /** The true expected success rate of a session on {@code task}, escalation included. */
    public double expectedSuccess(Task task) {
        return (1 - escalationRate) * successProbability(task);
    }

    private static double clamp(double p) {
        return Math.max(0, Math.min(1, p));
    }

    /** One simulated session: a pure function of task, seed and attempt. */
    public Trajectory simulate(Task task, long seed, int attempt, int maxSteps) {
        Trajectory t = simulateOutcome(task, seed, attempt, maxSteps);
        if (t.kind() == Kind.FAILURE) {
            return new Trajectory(t.kind(), false, t.steps(), t.tokens(), t.latencyMs(), errorMessage(task, seed));
        }
        return t;
    }

    private Trajectory simulateOutcome(Task task, long seed, int attempt, int maxSteps) {
        UniformRandomProvider rng = new SplitMix64(seed);
        UniformRandomProvider infra = new SplitMix64(Hashing.deriveSeed(seed, "attempt", attempt));
        if (errorRate > 0 && infra.nextDouble() < errorRate) {
            return new Trajectory(Kind.ERROR, false, 0, stepTokens(0, rng), latency(1, rng));
        }
        int optimal = task.optimalSteps();
        if (escalationRate > 0 && rng.nextDouble() < escalationRate) {
            int steps = 1 + rng.nextInt(optimal);
            return finish(Kind.ESCALATED, false, steps, rng);
        }
        if (!task.solvable()) {
            if (rng.nextDouble() < successProbability(task)) {
                return finish(Kind.REJECTED, true, 1 + rng.nextInt(2), rng);
            }
            int steps = Math.min(maxSteps, optimal * 4 + rng.nextInt(6));
            return finish(Kind.FAILURE, false, steps, rng);
        }
        boolean success = rng.nextDouble() < successProbability(task);
        int steps;
        if (success) {
            steps = (int) Math.ceil(optimal * thoroughness * stepsFactor) + geometric(rng, 0.35);
        } else {
            steps = (int) Math.ceil((optimal * 2 + 2 + rng.nextInt(optimal + 3)) * Math.sqrt(thoroughness));
        }
        if (steps > maxSteps) {
            return finish(Kind.FAILURE, false, maxSteps, rng);
        }
        return finish(success ? Kind.SUCCESS : Kind.FAILURE, success, steps, rng);
    }

    private Trajectory finish(Kind kind, boolean success, int steps, UniformRandomProvider rng) {
        return new Trajectory(kind, success, steps, stepTokens(steps, rng), latency(steps, rng), null);
    }

    private long[] stepTokens(int steps, UniformRandomProvider rng) {
        long prompt = 0;
        long cached = 0;
        long completion = 0;
        for (int i = 0; i < steps; i++) {
            double p = (promptTokens + i * contextGrowth) * tokensFactor * thoroughness;
            prompt += Math.round(p);
            if (i > 0) {
                cached += Math.round(p * cacheRate);
            }
            completion += Math.round(completionTokens * tokensFactor * (0.7 + 0.6 * rng.nextDouble()));
        }
        return new long[] {prompt, cached, completion};
    }

    private long latency(int steps, UniformRandomProvider rng) {
        double ms = 0;
        for (int i = 0; i < Math.max(1, steps); i++) {
            ms += msPerStep * (0.6 + 0.8 * rng.nextDouble());
        }
        return Math.round(ms);
    }

    private static int geometric(UniformRandomProvider rng, double mean) {
        double p = 1 / (1 + mean);
        int k = 0;
        while (rng.nextDouble() > p && k < 50) {
            k++;
        }
        return k;
    }

    /** Expected tokens of one session, averaged over the suite (for cost projection). */
    public double[] expectedTokens(List<Task> tasks, int maxSteps, int samples) {
        double[] sum = new double[3];
        int n = 0;
        for (Task t : tasks) {
            for (int s = 0; s < samples; s++) {
                Trajectory tr = simulate(t, Hashing.deriveSeed(12345, t.id(), s), 1, maxSteps);
                sum[0] += tr.tokens()[0];
                sum[1] += tr.tokens()[1];
                sum[2] += tr.tokens()[2];
                n++;
            }
        }
        return new double[] {sum[0] / n, sum[1] / n, sum[2] / n};
    }

    /** How a simulated session ended. */
    public enum Kind { SUCCESS, FAILURE, REJECTED, ESCALATED, ERROR }

    /**
     * A simulated session: outcome kind, steps, tokens {prompt, cached, completion}, latency, and
     * for failures the tool error the agent hit (a planted pattern per task family).
     */
    public record Trajectory(Kind kind, boolean success, int steps, long[] tokens, long latencyMs, String errorMessage) {
        public Trajectory(Kind kind, boolean success, int steps, long[] tokens, long latencyMs) {
            this(kind, success, steps, tokens, latencyMs, null);
        }
    }

    /**
     * The planted error patterns: what a failed session's last tool call reported, by task family,
     * with numbers, codes and skus drawn from their own stream (so outcomes are unaffected).
     */
    static String errorMessage(Task task, long seed) {
        UniformRandomProvider r = new SplitMix64(Hashing.deriveSeed(seed, "error-message"));
        String code = task.code();
        if (!task.solvable()) {
            return "product 'item-" + (100 + r.nextInt(900)) + "' required by coupon BUNDLE" + (1 + r.nextInt(9))
                    + " not found";
        }
        if (code.contains("coupon") || code.contains("discount")) {
            return "coupon SAVE" + (5 + r.nextInt(45)) + " rejected: limit of " + (1 + r.nextInt(3))
                    + " per customer exceeded";
        }
        if (code.contains("gpu") || code.contains("inventory") || code.contains("soda")) {
            int want = 2 + r.nextInt(20);
            return "sku gpu-" + (100 + r.nextInt(900)) + " out of stock: requested " + want + ", available "
                    + r.nextInt(want);
        }
        return "page limit exceeded: " + (20 + r.nextInt(200)) + " > 10";
    }
}
