package dev.metaorch.analysis;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.stats.Intervals;
import java.util.Arrays;

/**
 * Streaming aggregate of the final attempts of a group of sessions (infrastructure outcomes are
 * counted apart). Trajectory metrics follow seed 001: early-termination rate = impossible tasks
 * correctly rejected / impossible tasks; step efficiency = mean of optimal_steps / steps over
 * successful sessions on solvable tasks; token waste = tokens of failed sessions and of
 * impossible tasks not rejected / all tokens; autonomy = sessions finished without escalation.
 */
public final class ArmStats {
    private long sessions;
    private long successes;
    private long infrastructure;
    private long escalated;
    private long impossible;
    private long rejectedImpossible;
    private long successSolvable;
    private double stepEfficiencySum;
    private long tokens;
    private long wastedTokens;
    private double cost;
    private long steps;
    private long toolCalls;
    private long toolErrors;
    private long blockedCalls;
    private long withToolMetrics;
    private final Samples tokenSamples = new Samples();
    private final Samples latencySamples = new Samples();

    public void add(SessionRecord r) {
        if (r.outcome().isInfrastructure()) {
            infrastructure++;
            cost += r.costUsd();
            return;
        }
        sessions++;
        successes += r.success() ? 1 : 0;
        escalated += r.outcome() == Outcome.ESCALATED ? 1 : 0;
        long t = r.tokens() == null ? 0 : r.tokens().total();
        tokens += t;
        cost += r.costUsd();
        steps += r.steps();
        tokenSamples.add(t);
        latencySamples.add(r.latencyMs());
        if (r.metrics() != null && r.metrics().has("tool_call_count")) {
            withToolMetrics++;
            toolCalls += r.metrics().path("tool_call_count").asLong();
            toolErrors += r.metrics().path("tool_errors").asLong();
            blockedCalls += r.metrics().path("blocked_calls").asLong();
        }
        boolean solvable = r.task() == null || r.task().solvable();
        if (!solvable) {
            impossible++;
            if (r.outcome() == Outcome.REJECTED || r.success()) {
                rejectedImpossible++;
            } else {
                wastedTokens += t;
            }
        } else if (r.success()) {
            int optimal = r.task() == null ? 0 : r.task().optimalSteps();
            if (optimal > 0 && r.steps() > 0) {
                successSolvable++;
                stepEfficiencySum += Math.min(1.0, (double) optimal / r.steps());
            }
        } else {
            wastedTokens += t;
        }
    }

    public long sessions() {
        return sessions;
    }

    public long infrastructure() {
        return infrastructure;
    }

    public long successes() {
        return successes;
    }

    public double successRate() {
        return sessions == 0 ? 0 : (double) successes / sessions;
    }

    public double[] wilson() {
        return Intervals.wilson(successes, sessions, 0.95);
    }

    public double costUsd() {
        return cost;
    }

    public double costPerSession() {
        return sessions == 0 ? 0 : cost / sessions;
    }

    public double tokensMean() {
        return sessions == 0 ? 0 : (double) tokens / sessions;
    }

    public double latencyMean() {
        return latencySamples.mean();
    }

    public double latencyP90() {
        return latencySamples.quantile(0.9);
    }

    public double autonomyRate() {
        return sessions == 0 ? 0 : 1 - (double) escalated / sessions;
    }

    public Double earlyTerminationRate() {
        return impossible == 0 ? null : (double) rejectedImpossible / impossible;
    }

    public Double stepEfficiency() {
        return successSolvable == 0 ? null : stepEfficiencySum / successSolvable;
    }

    public double tokenWaste() {
        return tokens == 0 ? 0 : (double) wastedTokens / tokens;
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        double[] ci = wilson();
        o.put("sessions", sessions).put("successes", successes).put("success_rate", successRate());
        o.putArray("ci").add(ci[0]).add(ci[1]);
        o.put("tokens_mean", tokensMean()).put("tokens_median", tokenSamples.quantile(0.5))
                .put("tokens_p90", tokenSamples.quantile(0.9))
                .put("cost_usd", cost).put("cost_per_session", costPerSession())
                .put("cost_per_success", successes == 0 ? null : cost / successes)
                .put("latency_ms_mean", latencyMean()).put("latency_ms_p50", latencySamples.quantile(0.5))
                .put("latency_ms_p90", latencyP90())
                .put("steps_mean", sessions == 0 ? 0 : (double) steps / sessions)
                .put("autonomy_rate", autonomyRate())
                .put("early_termination_rate", earlyTerminationRate())
                .put("step_efficiency", stepEfficiency())
                .put("token_waste", tokenWaste())
                .put("infrastructure_outcomes", infrastructure);
        if (withToolMetrics > 0) {
            o.put("tool_calls", toolCalls).put("tool_error_rate", toolCalls == 0 ? 0 : (double) toolErrors / toolCalls)
                    .put("blocked_call_rate", toolCalls == 0 ? 0 : (double) blockedCalls / toolCalls);
        }
        return o;
    }

    /** A growable array of longs with exact quantiles (nearest rank), sorted once for all of them. */
    static final class Samples {
        private long[] values = new long[64];
        private int size;
        private long sum;
        private long[] sorted;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
            sum += v;
            sorted = null;
        }

        double mean() {
            return size == 0 ? 0 : (double) sum / size;
        }

        double quantile(double q) {
            if (size == 0) {
                return 0;
            }
            if (sorted == null) {
                sorted = Arrays.copyOf(values, size);
                Arrays.sort(sorted);
            }
            int rank = (int) Math.ceil(q * size);
            return sorted[Math.max(0, Math.min(size - 1, rank - 1))];
        }
    }
}
