package dev.metaorch.pareto;

/** A config (or variant, or model) as a point: mean cost per session and successes out of sessions. */
public record ParetoPoint(String name, double cost, long successes, long sessions) {
    public double successRate() {
        return sessions == 0 ? 0 : (double) successes / sessions;
    }

    /** Cost ≤ and success ≥ the other's, with one strict. */
    public boolean dominates(ParetoPoint o) {
        return cost <= o.cost && successRate() >= o.successRate() && (cost < o.cost || successRate() > o.successRate());
    }
}
