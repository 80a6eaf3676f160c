package dev.metaorch.variant.builtin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord.ErrorInfo;
import dev.metaorch.session.SessionRecord.Tokens;
import dev.metaorch.variant.SessionRequest;
import dev.metaorch.variant.SessionResult;
import dev.metaorch.variant.Variant;
import dev.metaorch.variant.VariantContext;
import dev.metaorch.variant.VariantProvider;
import java.time.Instant;
import java.util.Optional;

/** The embedded default: a documented, deterministic model of an agent ({@link SimulatedModel}). */
public final class SimulatedVariantProvider implements VariantProvider {
    @Override
    public String name() {
        return "simulated";
    }

    @Override
    public String description() {
        return "Deterministic model of an agent: success, steps, tokens and latency from config, task and seed";
    }

    @Override
    public Variant create(VariantContext context) {
        return new SimulatedVariant(new SimulatedModel(context.config(), context.suite()),
                context.suite().restrictedTo(context.config().taskCodes()), context.config().run().maxSteps());
    }

    static final class SimulatedVariant implements Variant {
        private final SimulatedModel model;
        private final java.util.List<dev.metaorch.config.Task> tasks;
        private final int maxSteps;

        SimulatedVariant(SimulatedModel model, java.util.List<dev.metaorch.config.Task> tasks, int maxSteps) {
            this.model = model;
            this.tasks = tasks;
            this.maxSteps = maxSteps;
        }

        @Override
        public SessionResult run(SessionRequest request) throws InterruptedException {
            if (request.cancellation().isCancelled()) {
                return cancelled(request, 0);
            }
            SimulatedModel.Trajectory t = model.simulate(request.task(), request.seed(), request.attempt(),
                    request.limits().maxSteps());
            if (model.realLatency && model.latencyScale > 0) {
                SessionResult interrupted = sleep(request, Math.round(t.latencyMs() * model.latencyScale));
                if (interrupted != null) {
                    return interrupted;
                }
            }
            return toResult(t, Json.object());
        }

        static SessionResult toResult(SimulatedModel.Trajectory t, ObjectNode metrics) {
            Tokens tokens = Tokens.of(t.tokens()[0], t.tokens()[2], t.tokens()[1]);
            if (t.kind() == SimulatedModel.Kind.ERROR) {
                return new SessionResult(Outcome.ERROR, false, null, tokens, 0, 0, t.latencyMs(),
                        new ErrorInfo("simulated_error", "simulated infrastructure failure (params.error_rate)"), metrics, null);
            }
            Outcome outcome = switch (t.kind()) {
                case SUCCESS -> Outcome.SUCCESS;
                case REJECTED -> Outcome.REJECTED;
                case ESCALATED -> Outcome.ESCALATED;
                default -> Outcome.FAILURE;
            };
            if (t.errorMessage() != null) {
                metrics.putArray("error_messages").add(t.errorMessage());
                metrics.put("tool_errors", 1);
            }
            return new SessionResult(outcome, t.success(), null, tokens, t.steps(), t.steps(), t.latencyMs(), null, metrics, null);
        }

        /** Sleeps for real, in slices, honouring cancellation and the deadline; null when it slept fully. */
        static SessionResult sleep(SessionRequest request, long millis) throws InterruptedException {
            long end = System.nanoTime() + millis * 1_000_000L;
            Object monitor = new Object();
            request.cancellation().onCancel(() -> {
                synchronized (monitor) {
                    monitor.notifyAll();
                }
            });
            while (true) {
                if (request.cancellation().isCancelled()) {
                    return cancelled(request, millis - (end - System.nanoTime()) / 1_000_000L);
                }
                if (Instant.now().isAfter(request.deadline())) {
                    return SessionResult.infrastructure(Outcome.TIMEOUT, "timeout", "session exceeded "
                            + request.limits().timeoutS() + " s", millis, Tokens.ZERO, 0, 0);
                }
                long left = (end - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return null;
                }
                synchronized (monitor) {
                    monitor.wait(Math.min(left, 50));
                }
            }
        }

        static SessionResult cancelled(SessionRequest request, long elapsed) {
            return SessionResult.infrastructure(Outcome.CANCELLED, "cancelled", request.cancellation().reason(),
                    Math.max(0, elapsed), Tokens.ZERO, 0, 0);
        }

        @Override
        public Optional<TokenEstimate> estimate() {
            double[] e = model.expectedTokens(tasks, maxSteps, 4);
            return Optional.of(new TokenEstimate(e[0], e[1], e[2]));
        }
    }
}
