package dev.metaorch.variant.builtin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord.Tokens;
import dev.metaorch.variant.SessionRequest;
import dev.metaorch.variant.SessionResult;
import dev.metaorch.variant.Variant;
import dev.metaorch.variant.VariantContext;
import dev.metaorch.variant.VariantProvider;
import java.time.Instant;

/**
 * A stateful agent over {@link CachingInterpreter}: each step of a session evaluates a piece of
 * work ({@code catalog}, the task code's rules, then the code's k-th step); work seen before in
 * this arm hits the cache and costs {@code params.cache_hit_cost} (default 0.3) of the tokens and
 * time. Success follows {@link SimulatedModel}. Sessions are served in the arm's sequence order
 * (session k waits for session k − 1 to finish), so the cache, and so every result, is the same
 * at any concurrency.
 */
public final class CachingVariantProvider implements VariantProvider {
    @Override
    public String name() {
        return "caching";
    }

    @Override
    public String description() {
        return "Stateful agent over a mock interpreter with caching primitives: repeated work costs less";
    }

    @Override
    public Variant create(VariantContext context) {
        SimulatedModel model = new SimulatedModel(context.config(), context.suite());
        double hitCost = context.config().params().path("cache_hit_cost").asDouble(0.3);
        return new CachingVariant(model, hitCost);
    }

    static final class CachingVariant implements Variant {
        private final SimulatedModel model;
        private final double hitCost;
        private final CachingInterpreter interpreter = new CachingInterpreter();
        private long nextPair;

        CachingVariant(SimulatedModel model, double hitCost) {
            this.model = model;
            this.hitCost = hitCost;
        }

        /** The cache and the turn order live in this instance: a team store runs the arm on one worker. */
        @Override
        public boolean keepsStateAcrossSessions() {
            return true;
        }

        /** Its turn order starts at {@code pair}: earlier pairs ran on another worker (its cache starts empty). */
        @Override
        public synchronized void startAt(long pair) {
            nextPair = Math.max(nextPair, pair);
            notifyAll();
        }

        @Override
        public SessionResult run(SessionRequest request) throws InterruptedException {
            if (!awaitTurn(request)) {
                if (!request.cancellation().isCancelled()) {
                    finishTurn(request.pair()); // a predecessor never came: later sessions must not wait for it too
                }
                return request.cancellation().isCancelled()
                        ? SimulatedVariantProvider.SimulatedVariant.cancelled(request, 0)
                        : SessionResult.infrastructure(Outcome.TIMEOUT, "timeout",
                                "waited past the deadline for earlier sessions of this arm", 0, Tokens.ZERO, 0, 0);
            }
            try {
                SimulatedModel.Trajectory t = model.simulate(request.task(), request.seed(), request.attempt(),
                        request.limits().maxSteps());
                int hits = 0;
                double factor = 0;
                for (int i = 0; i < Math.max(1, t.steps()); i++) {
                    String key = i == 0 ? "catalog" : i == 1 ? request.task().code() + ":rules"
                            : request.task().code() + ":step" + i;
                    boolean hit = interpreter.evalCached(key);
                    hits += hit ? 1 : 0;
                    factor += hit ? hitCost : 1;
                }
                double share = factor / Math.max(1, t.steps());
                long[] tok = t.tokens();
                SimulatedModel.Trajectory cheaper = new SimulatedModel.Trajectory(t.kind(), t.success(), t.steps(),
                        new long[] {Math.round(tok[0] * share), Math.round(tok[1] * share), Math.round(tok[2] * share)},
                        Math.round(t.latencyMs() * share), t.errorMessage());
                ObjectNode metrics = Json.object();
                metrics.put("cache_hits", hits).put("cache_misses", Math.max(1, t.steps()) - hits)
                        .put("cache_hit_rate", (double) hits / Math.max(1, t.steps()))
                        .put("cache_size", interpreter.size());
                return SimulatedVariantProvider.SimulatedVariant.toResult(cheaper, metrics);
            } finally {
                finishTurn(request.pair());
            }
        }

        private synchronized boolean awaitTurn(SessionRequest request) throws InterruptedException {
            request.cancellation().onCancel(this::wake);
            while (request.pair() > nextPair) {
                if (request.cancellation().isCancelled()) {
                    return false;
                }
                long left = request.deadline().toEpochMilli() - Instant.now().toEpochMilli();
                if (left <= 0) {
                    return false;
                }
                wait(Math.min(left, 1000));
            }
            return true;
        }

        private synchronized void wake() {
            notifyAll();
        }

        private synchronized void finishTurn(long pair) {
            nextPair = Math.max(nextPair, pair + 1);
            notifyAll();
        }
    }
}
