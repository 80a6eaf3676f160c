package dev.metaorch.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.Json;
import dev.metaorch.session.SessionRecord;
import java.time.Instant;
import java.util.Set;
import java.util.function.Predicate;

/**
 * One link of a {@link FilterChain} (seed 001's {@code SessionFilter}): a predicate on session
 * records, or the index slice {@link #lastN}, which keeps the last N records that reach it.
 */
public interface SessionFilter extends Predicate<SessionRecord> {

    /** The last {@code n} records (seed: {@code SessionFilter(index=slice(-n, None))}). */
    static SessionFilter lastN(int n) {
        return new LastN(n);
    }

    /** Index slice marker; the chain buffers instead of testing. */
    record LastN(int n) implements SessionFilter {
        @Override
        public boolean test(SessionRecord r) {
            return true;
        }
    }

    /**
     * A field equals a value: any field of the record by dotted path ({@code model_id},
     * {@code task.code}, {@code metrics.self_reported}); common fields are read directly.
     */
    static SessionFilter match(String path, String value) {
        return switch (path) {
            case "model_id", "model" -> r -> value.equals(r.modelId());
            case "experiment_id", "config" -> r -> value.equals(r.experimentId());
            case "run_id", "run" -> r -> value.equals(r.runId());
            case "arm" -> r -> value.equals(r.arm());
            case "variant" -> r -> value.equals(r.variant());
            case "config_hash" -> r -> value.equals(r.configHash());
            case "outcome" -> r -> value.equals(r.outcome().label());
            case "task.id", "task_id" -> r -> r.task() != null && value.equals(r.task().id());
            case "task.code", "task_code" -> r -> r.task() != null && value.equals(r.task().code());
            case "success" -> r -> value.equals(Boolean.toString(r.success()));
            default -> {
                String pointer = "/" + path.replace('.', '/');
                yield r -> {
                    JsonNode n = Json.tree(r).at(pointer);
                    return !n.isMissingNode() && value.equals(n.isTextual() ? n.asText() : n.toString());
                };
            }
        };
    }

    static SessionFilter taskCode(String code) {
        return match("task.code", code);
    }

    static SessionFilter taskId(String id) {
        return match("task.id", id);
    }

    static SessionFilter outcome(String outcome) {
        return match("outcome", outcome);
    }

    static SessionFilter model(String model) {
        return match("model_id", model);
    }

    static SessionFilter configHash(String hash) {
        return match("config_hash", hash);
    }

    static SessionFilter runs(Set<String> ids) {
        return r -> ids.contains(r.runId());
    }

    static SessionFilter experiments(Set<String> ids) {
        return r -> ids.contains(r.experimentId());
    }

    /** Sessions that started in [from, to). */
    static SessionFilter timeRange(Instant from, Instant to) {
        return r -> {
            try {
                Instant t = Instant.parse(r.startedAt());
                return (from == null || !t.isBefore(from)) && (to == null || t.isBefore(to));
            } catch (RuntimeException e) {
                return false;
            }
        };
    }
}
