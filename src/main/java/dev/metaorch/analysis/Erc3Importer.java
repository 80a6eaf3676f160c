package dev.metaorch.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Hashing;
import dev.metaorch.common.Json;
import dev.metaorch.common.JsonFiles;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.HashDictionary;
import dev.metaorch.config.PriceTable;
import dev.metaorch.runner.RunFolder;
import dev.metaorch.runner.RunLock;
import dev.metaorch.session.JsonlSessionStore;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionLogReader;
import dev.metaorch.session.SessionRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Imports the session history written by the ERC3 benchmark's SGR store agents (a JSON array of
 * sessions with {@code config}, {@code token_statistics}, {@code total_time_sec} and a text
 * {@code session_log}) as one session record per task attempt.
 * <ul>
 * <li>{@code success} is the benchmark's grade ({@code SCORE:} line, kept as
 * {@code external_score}) when the log has one; otherwise it is the agent's self-report
 * ({@code COMPLETED: completed}), and a warning says so. The self-report is always kept in
 * {@code metrics.self_reported}; {@code metrics.success_source} says which one {@code success} is.</li>
 * <li>A graded task the agent reported as {@code failed} and the benchmark passed is a correct
 * rejection: outcome {@code rejected}.</li>
 * <li>Task ids are the task codes (what pairs match on, like ERC3's spec_id); the instance id
 * ({@code tsk-...}) is kept as {@code task.instance}.</li>
 * <li>Session ids are {@code <run-id>/<erc3 session id>/<task index>}: importing the same file
 * twice adds nothing.</li>
 * </ul>
 */
public final class Erc3Importer {
    private static final Pattern TASK = Pattern.compile("^TASK: (\\S+) \\(([^)]+)\\)\\s*$");
    private static final Pattern STEP = Pattern.compile("^--- step_(\\d+) ---\\s*$");
    private static final Pattern FUNCTION = Pattern.compile("^function: (\\S+)\\s*$");
    private static final Pattern RESULT = Pattern.compile("^\\s+result: (.*)$");
    private static final Pattern BLOCKED = Pattern.compile("^\\s+BLOCKED: (.*)$");
    private static final Pattern COMPLETED = Pattern.compile("^COMPLETED: (\\S+)\\s*$");
    private static final Pattern TASK_STATS = Pattern.compile(
            "^Task stats: ([0-9.]+)s, (\\d+) tokens \\(prompt: (\\d+), completion: (\\d+)\\)");
    private static final Pattern SCORE = Pattern.compile("^SCORE: ([0-9.]+)\\s*$");

    /** What an import did. */
    public record Summary(String runId, Path log, int sessions, int tasks, int added, int skipped, int graded,
            List<String> warnings) {
    }

    public Summary importFile(Path file, Path resultsDir, String runId, PriceTable prices, Consumer<String> warn)
            throws IOException {
        String name = ConfigLoader.display(file);
        JsonNode root = JsonFiles.read(file, name, "file");
        if (!root.isArray()) {
            throw MetaorchException.invalidInput(name + ": /: expected a JSON array of ERC3 sessions");
        }
        RunFolder folder = new RunFolder(resultsDir, runId);
        Path log = folder.sessions();
        List<String> warnings = new ArrayList<>();
        Consumer<String> w = s -> {
            warnings.add(s);
            warn.accept(s);
        };
        List<SessionRecord> records = new ArrayList<>();
        Map<String, String> hashes = new TreeMap<>();
        int graded = 0;
        for (int i = 0; i < root.size(); i++) {
            JsonNode s = root.get(i);
            String where = name + ": /" + i;
            if (!s.isObject() || !s.path("session_log").isTextual()) {
                w.accept(where + ": not an ERC3 session (no session_log); skipped");
                continue;
            }
            List<SessionRecord> tasks = parseSession(s, where, runId, prices, w, hashes);
            long withScore = tasks.stream().filter(t -> t.externalScore() != null).count();
            graded += (int) withScore;
            if (withScore < tasks.size()) {
                w.accept(where + " (" + s.path("session_id").asText() + "): no benchmark grade (SCORE) for "
                        + (tasks.size() - withScore) + " of " + tasks.size()
                        + " tasks: external_score is absent and success is the agent's self-report");
            }
            records.addAll(tasks);
        }
        int added = 0;
        HashDictionary dict = new HashDictionary(resultsDir);
        dict.read(); // a corrupt dictionary is bad input: refused before anything is written
        Files.createDirectories(folder.dir());
        // the run's one owner while importing: a concurrent import of the same file waits, then
        // sees every record of the first one and adds nothing
        try (RunLock lock = RunLock.acquireWaiting(folder, "import erc3", warn);
                JsonlSessionStore store = JsonlSessionStore.open(log)) {
            Set<String> existing = new HashSet<>();
            SessionLogReader.read(log, r -> existing.add(r.sessionId()), p -> warn.accept(p.toString()));
            for (SessionRecord r : records) {
                if (existing.add(r.sessionId())) {
                    store.append(r);
                    added++;
                }
            }
            dict.addAll(hashes);
        }
        return new Summary(runId, log, root.size(), records.size(), added, records.size() - added, graded, warnings);
    }

    private List<SessionRecord> parseSession(JsonNode s, String where, String runId, PriceTable prices,
            Consumer<String> warn, Map<String, String> hashes) {
        JsonNode config = s.path("config");
        String sessionId = s.path("session_id").asText("session" + where.hashCode());
        String model = config.path("model_id").asText("unknown");
        List<String> guidelines = new ArrayList<>();
        config.path("system_prompt_guidelines").forEach(g -> guidelines.add(g.asText()));
        List<String> guidelineHashes = guidelines.stream().map(Hashing::md5).toList();
        for (int g = 0; g < guidelines.size(); g++) {
            hashes.put(guidelineHashes.get(g), guidelines.get(g));
        }
        ObjectNode identity = Json.object();
        identity.put("variant", "erc3-sgr").put("model_id", model)
                .put("architecture", config.path("architecture").asText(""));
        identity.set("guidelines", Json.tree(guidelines));
        identity.put("keep_last_steps", config.path("keep_last_steps").asInt(0));
        String configHash = Hashing.sha256(Json.canonical(identity)).substring(0, 12);
        String experimentId = "erc3-" + configHash;
        PriceTable.ModelPrice price = prices == null ? null : prices.price(model).orElse(null);
        String started = startTime(s.path("start_timestamp").asText(""));

        List<SessionRecord> out = new ArrayList<>();
        Task t = null;
        String[] lines = s.path("session_log").asText().split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            Matcher m;
            if ((m = TASK.matcher(line)).matches()) {
                if (t != null) {
                    out.add(finish(t, sessionId, runId, experimentId, configHash, model, guidelineHashes, price, prices,
                            started, where, warn));
                }
                t = new Task(out.size(), m.group(1), m.group(2), n + 1);
            } else if (t == null) {
                continue;
            } else if ((m = STEP.matcher(line)).matches()) {
                t.steps = Math.max(t.steps, Integer.parseInt(m.group(1)));
            } else if ((m = FUNCTION.matcher(line)).matches()) {
                t.tools.merge(m.group(1), 1, Integer::sum);
            } else if ((m = BLOCKED.matcher(line)).matches()) {
                t.blocked.add(m.group(1).trim());
            } else if ((m = RESULT.matcher(line)).matches()) {
                String json = m.group(1);
                if (json.contains("error_message")) {
                    try {
                        JsonNode r = Json.mapper().readTree(json);
                        if (r.hasNonNull("error_message")) {
                            t.errors.add(r.get("error_message").asText());
                        }
                    } catch (IOException e) {
                        warn.accept(where + " (" + sessionId + "): log line " + (n + 1) + ": unreadable tool result; kept as text");
                        t.errors.add(json);
                    }
                }
            } else if ((m = COMPLETED.matcher(line)).matches()) {
                t.completed = m.group(1);
            } else if ((m = TASK_STATS.matcher(line)).matches()) {
                t.seconds = Double.parseDouble(m.group(1));
                t.prompt = Long.parseLong(m.group(3));
                t.completion = Long.parseLong(m.group(4));
                t.hasStats = true;
            } else if ((m = SCORE.matcher(line)).matches()) {
                t.score = Double.parseDouble(m.group(1));
            } else if (line.startsWith("PASS: ") || line.startsWith("FAIL: ")) {
                t.grade = line;
            }
        }
        if (t != null) {
            out.add(finish(t, sessionId, runId, experimentId, configHash, model, guidelineHashes, price, prices, started,
                    where, warn));
        }
        if (out.isEmpty()) {
            warn.accept(where + " (" + sessionId + "): no TASK in the session log; nothing imported");
        }
        return out;
    }

    private static String startTime(String ts) {
        try {
            return LocalDateTime.parse(ts).toInstant(ZoneOffset.UTC).toString();
        } catch (RuntimeException e) {
            return Instant.EPOCH.toString();
        }
    }

    private static SessionRecord finish(Task t, String sessionId, String runId, String experimentId, String configHash,
            String model, List<String> guidelineHashes, PriceTable.ModelPrice price, PriceTable prices, String started,
            String where, Consumer<String> warn) {
        Outcome outcome;
        boolean success;
        String source;
        SessionRecord.ErrorInfo error = null;
        boolean selfReported = "completed".equals(t.completed);
        if (t.completed == null || !t.hasStats) {
            warn.accept(where + " (" + sessionId + "): log line " + t.line + ": task " + t.instance + " (" + t.code
                    + ") has no " + (t.completed == null ? "COMPLETED" : "Task stats") + " line (truncated log?); "
                    + "recorded as error");
            outcome = Outcome.ERROR;
            success = false;
            source = "none";
            error = new SessionRecord.ErrorInfo("truncated_log", "task log ends before its COMPLETED/Task stats line");
        } else if (t.score != null) {
            success = t.score >= 1.0;
            source = "external_score";
            outcome = success ? (selfReported ? Outcome.SUCCESS : Outcome.REJECTED) : Outcome.FAILURE;
        } else {
            success = selfReported;
            source = "self_report";
            outcome = success ? Outcome.SUCCESS : Outcome.FAILURE;
        }
        ObjectNode metrics = Json.object();
        metrics.put("self_reported", t.completed).put("success_source", source);
        ObjectNode tools = metrics.putObject("tool_calls");
        t.tools.forEach(tools::put);
        int toolCalls = t.tools.values().stream().mapToInt(Integer::intValue).sum();
        metrics.put("tool_call_count", toolCalls).put("blocked_calls", t.blocked.size()).put("tool_errors", t.errors.size());
        ArrayNode errors = metrics.putArray("error_messages");
        t.errors.forEach(errors::add);
        ArrayNode blocked = metrics.putArray("blocked_reasons");
        t.blocked.forEach(blocked::add);
        if (t.grade != null) {
            metrics.put("grade", t.grade);
        }
        SessionRecord.Tokens tokens = SessionRecord.Tokens.of(t.prompt, t.completion, 0);
        double cost = price == null ? 0 : price.cost(t.prompt, 0, t.completion);
        return new SessionRecord(SessionRecord.SCHEMA, runId + "/" + sessionId + "/" + t.index, runId, experimentId,
                "imported", configHash, "erc3-sgr", model,
                new SessionRecord.TaskRef(t.code, t.instance, t.code, true, 0), t.index, 0, 0, 1, started, started,
                Math.round(t.seconds * 1000), outcome, success, t.score, tokens, t.steps, cost,
                prices == null ? "" : prices.version(), t.steps, guidelineHashes, error, metrics);
    }

    /** One task attempt while its log is read. */
    private static final class Task {
        final int index;
        final String instance;
        final String code;
        final int line;
        int steps;
        String completed;
        Double score;
        String grade;
        double seconds;
        long prompt;
        long completion;
        boolean hasStats;
        final Map<String, Integer> tools = new TreeMap<>();
        final List<String> blocked = new ArrayList<>();
        final List<String> errors = new ArrayList<>();

        Task(int index, String instance, String code, int line) {
            this.index = index;
            this.instance = instance;
            this.code = code;
            this.line = line;
        }
    }
}
