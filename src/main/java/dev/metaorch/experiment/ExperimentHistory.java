package dev.metaorch.experiment;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The experiment history (the tracker's lines, folded by run) as records: the lineage of an
 * experiment and the velocity KPIs. The tracker ({@code results/experiments.jsonl} or a team
 * store's tracker table, a {@link TrackerSource}) stays the one durable source; every figure here
 * is computed from its lines, the same way whichever the source.
 */
public final class ExperimentHistory {
    /** Statuses of a run that reached a decision on its hypothesis. */
    static final Set<String> DECIDED = Set.of("accepted", "rejected");

    private final String source;
    private final List<TrackedRun> runs;
    private final List<ObjectNode> lines;

    /** One run's latest tracker line. Fields absent from the line are null. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TrackedRun(
            @JsonProperty("run_id") String runId,
            @JsonProperty("experiment_id") String experimentId,
            String parent,
            String control,
            @JsonProperty("config_hash") String configHash,
            String status,
            Long sessions,
            Long attempts,
            @JsonProperty("spend_usd") Double spendUsd,
            @JsonProperty("started_at") String startedAt,
            @JsonProperty("updated_at") String updatedAt,
            JsonNode hypothesis,
            String decision,
            Long pairs,
            @JsonProperty("fixed_n") Long fixedN,
            Double savings,
            @JsonProperty("guard_attempts") Long guardAttempts) {

        /** The hypothesis this run tested: its id, else the experiment id. */
        public String hypothesisId() {
            String id = hypothesis == null ? "" : hypothesis.path("id").asText("");
            return id.isEmpty() ? experimentId : id;
        }

        public boolean decided() {
            return DECIDED.contains(status);
        }

        /**
         * A decided run that ran sessions and knows its fixed design enters the saving; when the
         * tracker has the run's attempts, only if the run reported a saving (ADR-020: a run with no
         * usable pair, or stopped by the budget, the cap or the circuit breaker, saved nothing).
         */
        public boolean countsForSaving() {
            return decided() && fixedN != null && sessions != null && sessions > 0
                    && (attempts == null ? pairs != null : savings != null);
        }

        /**
         * Sessions the SPRT saved against the fixed design's 2 × fixed n: minus the attempts paid
         * (ADR-020) other than the selection guard's (ADR-135), or, for tracker lines written before
         * attempts were recorded, minus 2 × pairs.
         */
        public long sessionsSaved() {
            if (!countsForSaving()) {
                return 0;
            }
            return attempts != null ? Math.max(0, 2 * fixedN - (attempts - (guardAttempts == null ? 0 : guardAttempts)))
                    : 2 * Math.max(0, fixedN - pairs);
        }
    }

    /** The velocity KPIs: hypotheses decided (each counted once) and sessions saved by SPRT. */
    public record Velocity(
            int experiments,
            @JsonProperty("hypotheses_decided") int hypothesesDecided,
            @JsonProperty("hypotheses_per_week") double hypothesesPerWeek,
            double weeks,
            @JsonProperty("sessions_saved_by_sprt") long sessionsSaved,
            @JsonProperty("sessions_of_fixed_designs") long fixedSessions,
            @JsonProperty("sessions_saved_share") double sessionsSavedShare,
            @JsonProperty("autonomy_rate") Double autonomyRate,
            @JsonProperty("blocking_time_share") Double blockingTimeShare) {
    }

    /** What {@code experiments show ID} prints: the matching runs and the lineage. */
    public record Experiment(@JsonProperty("experiment_id") String experimentId, List<String> lineage,
            List<TrackedRun> runs) {
    }

    private ExperimentHistory(String source, List<TrackedRun> runs, List<ObjectNode> lines) {
        this.source = source;
        this.runs = List.copyOf(runs);
        this.lines = List.copyOf(lines);
    }

    /** The history of {@code resultsDir/experiments.jsonl}. */
    public static ExperimentHistory read(Path resultsDir) throws IOException {
        return read(new ExperimentTracker(resultsDir));
    }

    /** The history of any tracker: the file or a team store. */
    public static ExperimentHistory read(TrackerSource tracker) throws IOException {
        List<ObjectNode> lines = ExperimentTracker.fold(tracker.lines());
        List<TrackedRun> runs = new ArrayList<>();
        for (ObjectNode o : lines) {
            runs.add(Json.mapper().treeToValue(o, TrackedRun.class));
        }
        return new ExperimentHistory(tracker.describe(), runs, lines);
    }

    /** Where the lines came from (the tracker file or the store), for messages. */
    public String source() {
        return source;
    }

    public List<TrackedRun> runs() {
        return runs;
    }

    /** The record's expected false acceptances (ADR-134). */
    public RepeatedTests.Estimate falseAcceptances() {
        return RepeatedTests.estimate(lines);
    }

    /** Runs of the experiment (or the run) called {@code id}; null when there is none. */
    public Experiment find(String id) {
        List<TrackedRun> matching = runs.stream()
                .filter(r -> id.equals(r.experimentId()) || id.equals(r.runId())).toList();
        if (matching.isEmpty()) {
            return null;
        }
        String experimentId = matching.get(matching.size() - 1).experimentId();
        return new Experiment(experimentId, lineage(experimentId), matching);
    }

    /** The experiment and its ancestors, child first, as the tracker recorded their parents. */
    public List<String> lineage(String experimentId) {
        Map<String, String> parents = new LinkedHashMap<>();
        for (TrackedRun r : runs) {
            if (r.parent() != null && r.experimentId() != null) {
                parents.put(r.experimentId(), r.parent());
            }
        }
        List<String> chain = new ArrayList<>();
        String cur = experimentId;
        while (cur != null && !chain.contains(cur) && chain.size() <= 32) {
            chain.add(cur);
            cur = parents.get(cur);
        }
        return chain;
    }

    /** The velocity KPIs as of {@code now}: weeks since the first run, at least one. */
    public Velocity velocity(Instant now) {
        Set<String> hypotheses = new HashSet<>();
        long saved = 0;
        long fixed = 0;
        for (TrackedRun r : runs) {
            if (r.decided()) {
                hypotheses.add(r.hypothesisId());
            }
            if (r.countsForSaving()) {
                saved += r.sessionsSaved();
                fixed += 2 * r.fixedN();
            }
        }
        double weeks = 1;
        if (!runs.isEmpty() && runs.get(0).startedAt() != null) {
            try {
                Instant first = Instant.parse(runs.get(0).startedAt());
                weeks = Math.max(1.0, Duration.between(first, now).toHours() / (24.0 * 7));
            } catch (DateTimeParseException e) {
                weeks = 1;
            }
        }
        return new Velocity(runs.size(), hypotheses.size(), hypotheses.size() / weeks, weeks, saved, fixed,
                fixed == 0 ? 0 : (double) saved / fixed, autonomyRate(), blockingTimeShare(now));
    }

    /**
     * Seed 001's process KPI "decisions without escalation": of the runs that ended, the share the
     * test decided by itself (accepted or rejected); an inconclusive or aborted run needs a person.
     * Null before any run ended.
     */
    Double autonomyRate() {
        long ended = runs.stream().filter(r -> r.status() != null && !r.status().equals("running")).count();
        long decided = runs.stream().filter(TrackedRun::decided).count();
        return ended == 0 ? null : (double) decided / ended;
    }

    /**
     * Seed 001's "blocking time": the share of the time since the first run during which at least
     * one run was waiting for its decision (the union of the runs' [started, last update]
     * intervals). Null before any run.
     */
    Double blockingTimeShare(Instant now) {
        List<Instant[]> spans = new java.util.ArrayList<>();
        for (TrackedRun r : runs) {
            try {
                Instant a = Instant.parse(r.startedAt());
                Instant b = r.status() != null && r.status().equals("running") ? now : Instant.parse(r.updatedAt());
                spans.add(new Instant[] {a, b.isBefore(a) ? a : b});
            } catch (RuntimeException e) {
                // a line without times: not counted
            }
        }
        if (spans.isEmpty()) {
            return null;
        }
        spans.sort(java.util.Comparator.comparing(x -> x[0]));
        Instant first = spans.get(0)[0];
        long busy = 0;
        Instant curA = spans.get(0)[0];
        Instant curB = spans.get(0)[1];
        for (Instant[] sp : spans.subList(1, spans.size())) {
            if (sp[0].isAfter(curB)) {
                busy += Duration.between(curA, curB).toMillis();
                curA = sp[0];
                curB = sp[1];
            } else if (sp[1].isAfter(curB)) {
                curB = sp[1];
            }
        }
        busy += Duration.between(curA, curB).toMillis();
        long total = Duration.between(first, now).toMillis();
        return total <= 0 ? null : Math.min(1.0, (double) busy / total);
    }
}
