package dev.metaorch.experiment;

import dev.metaorch.common.Json;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.stats.Intervals;
import dev.metaorch.stats.PairCounts;
import dev.metaorch.stats.StoppingRule;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Follows one run's {@code sessions.jsonl} incrementally (complete lines only, from where it
 * stopped) and keeps what the views need: the money and session figures over every attempt,
 * and, for an A/B run, the stopping rule replayed in pair order exactly as the run does it.
 * Not thread-safe: {@link RunStateSource} serialises the calls.
 */
final class RunReplay {
    private final Path log;
    private final AbExperiment.Settings settings;
    private final StoppingRule rule;
    private final Map<Long, SessionRecord[]> finals = new HashMap<>();
    private final Map<String, SessionRecord> latest = new LinkedHashMap<>();
    private final Set<String> settled = new HashSet<>();
    private final List<Double> trace = new ArrayList<>();
    private final Map<String, long[]> armCounts = new LinkedHashMap<>();
    private long offset;
    private long nextEval;
    private long broken;
    private long maxPair = -1;
    private PairCounts counts = PairCounts.EMPTY;
    private StoppingRule.Evaluation evaluation;
    private BigDecimal spend = BigDecimal.ZERO;
    private long attempts;
    private long infra;
    private Instant firstStart;

    /** {@code settings} is null for runs without a stopping rule (hub, import). */
    RunReplay(Path log, AbExperiment.Settings settings) {
        this.log = log;
        this.settings = settings;
        this.rule = settings == null ? null : AbExperiment.ruleFor(settings);
        this.evaluation = rule == null ? null : rule.evaluate(counts);
    }

    /** Reads what was appended since the last call. */
    void poll() throws IOException {
        if (!Files.isRegularFile(log)) {
            return;
        }
        try (RandomAccessFile raf = new RandomAccessFile(log.toFile(), "r")) {
            long size = raf.length();
            while (size > offset) {
                byte[] bytes = new byte[(int) Math.min(size - offset, 16L << 20)];
                raf.seek(offset);
                raf.readFully(bytes);
                int start = 0;
                for (int i = 0; i < bytes.length; i++) {
                    if (bytes[i] == '\n') {
                        accept(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                        start = i + 1;
                    }
                }
                if (start == 0) {
                    return; // an unterminated tail: maybe a live append; read it next time
                }
                offset += start;
            }
        }
    }

    private void accept(String line) {
        if (line.isBlank()) {
            return;
        }
        SessionRecord r;
        try {
            r = Json.mapper().readValue(line, SessionRecord.class);
        } catch (IOException e) {
            return; // a corrupt line; the run's own reader reports it with its place
        }
        attempts++;
        spend = spend.add(BigDecimal.valueOf(r.costUsd()));
        if (r.outcome() == Outcome.ERROR || r.outcome() == Outcome.TIMEOUT) {
            infra++;
        }
        if (r.startedAt() != null && firstStart == null) {
            try {
                firstStart = Instant.parse(r.startedAt());
            } catch (RuntimeException e) {
                // no start time: no ETA
            }
        }
        maxPair = Math.max(maxPair, r.pair());
        SessionRecord prev = latest.get(r.sessionId());
        if (prev == null || r.attempt() >= prev.attempt()) {
            latest.put(r.sessionId(), r);
        }
        if (isFinal(r) || r.outcome() == Outcome.CANCELLED) {
            settled.add(r.sessionId());
        }
        if (rule == null || !isFinal(r)) {
            return;
        }
        SessionRecord[] pair = finals.computeIfAbsent(r.pair(), k -> new SessionRecord[2]);
        pair[r.arm().equals(AbExperiment.CONTROL) ? 0 : 1] = r;
        while (!evaluation.decision().isFinal() && finals.containsKey(nextEval) && finals.get(nextEval)[0] != null
                && finals.get(nextEval)[1] != null) {
            if (settings.method().equals("fixed") && nextEval >= settings.capPairs()) {
                return;
            }
            SessionRecord[] p = finals.remove(nextEval++);
            if (p[0].outcome().isInfrastructure() || p[1].outcome().isInfrastructure()) {
                broken++;
                continue;
            }
            counts = counts.plus(p[0].success(), p[1].success(), metric(p[0]), metric(p[1]));
            count(p[0]);
            count(p[1]);
            evaluation = rule.evaluate(counts);
            trace.add(Math.round(evaluation.llr() * 1e6) / 1e6);
            if (settings.method().equals("fixed")) {
                evaluation = new StoppingRule.Evaluation(dev.metaorch.stats.Decision.CONTINUE, evaluation.llr(),
                        evaluation.lower(), evaluation.upper(), null, null);
            }
        }
    }

    private void count(SessionRecord r) {
        long[] c = armCounts.computeIfAbsent(r.arm(), k -> new long[2]);
        c[0]++;
        c[1] += r.success() ? 1 : 0;
    }

    private double metric(SessionRecord r) {
        return switch (settings.metric()) {
            case "tokens" -> r.tokens().total();
            case "cost_usd" -> r.costUsd();
            default -> r.success() ? 1 : 0;
        };
    }

    private boolean isFinal(SessionRecord r) {
        if (r.outcome() == Outcome.CANCELLED) {
            return false;
        }
        int retries = settings == null ? 0 : settings.retries();
        return !r.outcome().isInfrastructure() || r.attempt() > retries;
    }

    /** The money and session figures (the ledger's figures will replace this one method). */
    RunState.Figures figures(boolean running) {
        long slots = settings == null ? latest.size() : 2 * (maxPair + 1);
        long inFlight = running ? Math.max(0, slots - settled.size()) : 0;
        BigDecimal cap = settings == null ? null : BigDecimal.valueOf(settings.maxCostUsd());
        return new RunState.Figures(attempts, latest.size(), spend, cap, inFlight, infra);
    }

    /** Per-arm counting sessions: pairs evaluated for an A/B run, last attempts for the others. */
    List<RunState.Arm> arms(Map<String, String> experimentIds) {
        Map<String, long[]> byArm = armCounts;
        if (rule == null) {
            byArm = new LinkedHashMap<>();
            for (SessionRecord r : latest.values()) {
                if (r.outcome() != Outcome.CANCELLED) {
                    long[] c = byArm.computeIfAbsent(r.arm(), k -> new long[2]);
                    c[0]++;
                    c[1] += r.success() ? 1 : 0;
                }
            }
        }
        List<RunState.Arm> out = new ArrayList<>();
        List<String> names = new ArrayList<>(experimentIds.keySet());
        byArm.keySet().stream().filter(a -> !names.contains(a)).forEach(names::add);
        for (String a : names) {
            long[] c = byArm.getOrDefault(a, new long[2]);
            double[] ci = Intervals.wilson(c[1], c[0], 0.95);
            out.add(new RunState.Arm(a, experimentIds.getOrDefault(a, a), c[0], c[1], c[0] == 0 ? 0 : (double) c[1] / c[0],
                    ci[0], ci[1]));
        }
        return out;
    }

    StoppingRule.Evaluation evaluation() {
        return evaluation;
    }

    PairCounts counts() {
        return counts;
    }

    long brokenPairs() {
        return broken;
    }

    List<Double> trace() {
        return List.copyOf(trace);
    }

    AbExperiment.Settings settings() {
        return settings;
    }

    Instant firstStart() {
        return firstStart;
    }

    String testName() {
        return rule == null ? null : rule.test();
    }
}
