package dev.metaorch.analysis;

import dev.metaorch.common.MetaorchException;
import dev.metaorch.session.SessionRecord;
import java.util.List;
import java.util.function.Function;

/** The fields sessions can be grouped by ({@code --group-by}). */
public enum GroupKey {
    CONFIG("config", SessionRecord::experimentId),
    CONFIG_HASH("config_hash", SessionRecord::configHash),
    MODEL("model", SessionRecord::modelId),
    VARIANT("variant", SessionRecord::variant),
    TASK_CODE("task_code", r -> r.task() == null ? "" : r.task().code()),
    TASK("task", r -> r.task() == null ? "" : r.task().id()),
    ARM("arm", SessionRecord::arm),
    RUN("run", SessionRecord::runId),
    OUTCOME("outcome", r -> r.outcome().label());

    private final String label;
    private final Function<SessionRecord, String> extractor;

    GroupKey(String label, Function<SessionRecord, String> extractor) {
        this.label = label;
        this.extractor = extractor;
    }

    public String label() {
        return label;
    }

    /** The label, so that command-line completion and help show it. */
    @Override
    public String toString() {
        return label;
    }

    public String of(SessionRecord r) {
        String v = extractor.apply(r);
        return v == null ? "" : v;
    }

    public static GroupKey parse(String s) {
        for (GroupKey k : values()) {
            if (k.label.equals(s) || (s.equals("model_id") && k == MODEL) || (s.equals("experiment") && k == CONFIG)) {
                return k;
            }
        }
        throw MetaorchException.invalidInput("--group-by: unknown key '" + s + "' (config, config_hash, model, variant, "
                + "task_code, task, arm, run, outcome)");
    }

    public static String keyOf(List<GroupKey> keys, SessionRecord r) {
        if (keys.size() == 1) {
            return keys.get(0).of(r);
        }
        StringBuilder sb = new StringBuilder();
        for (GroupKey k : keys) {
            if (sb.length() > 0) {
                sb.append(" | ");
            }
            sb.append(k.of(r));
        }
        return sb.toString();
    }
}
