package dev.metaorch.experiment;

import dev.metaorch.common.Json;
import dev.metaorch.common.Money;
import dev.metaorch.results.RecordFeed;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.RunLedger;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.stats.Intervals;
import dev.metaorch.stats.PairCounts;
import dev.metaorch.stats.StoppingRule;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Follows one run's records incrementally through its {@link RecordFeed} (a folder's log from
 * where it stopped, or a team store's new records) and feeds every attempt to the run's own pieces: the {@link RunLedger} (money and
 * session figures) and, for an A/B run, the {@link PairedTest} that replays the stopping rule in
 * pair order exactly as the run does. Not thread-safe: {@link RunStateSource} serialises calls.
 */
final class RunReplay {
    private final RecordFeed feed;
    private final AbExperiment.Settings settings;
    private final PairedTest test;
    private final RunLedger ledger = new RunLedger();
    private final Map<String, SessionRecord> latest = new LinkedHashMap<>();
    private final Set<String> settled = new HashSet<>();
    /** Each session's record that landed last, in the order they last landed, and its attempts: the session table. */
    private final Map<String, SessionRecord> lastLanded = new LinkedHashMap<>();
    private final Map<String, Integer> attempts = new java.util.HashMap<>();
    private long maxPair = -1;
    private long infra;
    private Instant firstStart;

    /** {@code settings} is null for runs without a stopping rule (hub, import). */
    RunReplay(RecordFeed feed, AbExperiment.Settings settings) {
        this.feed = feed;
        this.settings = settings;
        this.test = settings == null ? null : new PairedTest(AbExperiment.ruleFor(settings), settings.retries(),
                settings.method() == Method.FIXED, settings.capPairs(), settings.metric());
    }

    /** Reads what landed since the last call. */
    void poll() throws IOException {
        feed.poll(this::accept);
    }

    /** When the run's log last grew (null before any record). */
    Instant lastWrite() throws IOException {
        return feed.lastWrite();
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
        ledger.add(r);
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
        lastLanded.remove(r.sessionId());
        lastLanded.put(r.sessionId(), r);
        attempts.merge(r.sessionId(), 1, Integer::sum);
        SessionRecord prev = latest.get(r.sessionId());
        if (prev == null || r.attempt() >= prev.attempt()) {
            latest.put(r.sessionId(), r);
        }
        boolean fin = r.outcome() != Outcome.CANCELLED
                && (!r.outcome().isInfrastructure() || r.attempt() > (settings == null ? 0 : settings.retries()));
        if ((fin || r.outcome() == Outcome.CANCELLED) && !SelectionGuard.isGuard(r)) {
            settled.add(r.sessionId());
        }
        if (test != null && !SelectionGuard.isGuard(r)) {
            test.accept(r, ExperimentPlan.armIndex(r));
        }
    }

    /** The money and session figures: the ledger's, plus what the views add (in flight, failures). */
    RunState.Figures figures(boolean running) {
        long slots = settings == null ? latest.size() : 2 * (maxPair + 1);
        long inFlight = running ? Math.max(0, slots - settled.size()) : 0;
        return new RunState.Figures(ledger.attempts(), ledger.sessions(), ledger.spendNanos(), Money.decimal(ledger.spendNanos()),
                settings == null ? null : java.math.BigDecimal.valueOf(settings.maxCostUsd()), inFlight, infra);
    }

    /** Per-arm sessions in the test for an A/B run (intention to treat), last attempts for the others. */
    List<RunState.Arm> arms(Map<String, String> experimentIds) {
        Map<String, long[]> byArm = new LinkedHashMap<>();
        if (test != null) {
            byArm.put(AbExperiment.CONTROL, new long[] {test.sessions(PairedTest.CONTROL), test.successes(PairedTest.CONTROL)});
            byArm.put(AbExperiment.TEST, new long[] {test.sessions(PairedTest.TEST), test.successes(PairedTest.TEST)});
        } else {
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

    /** The {@code max} sessions that landed last, newest first, with the run's count of sessions. */
    RunSessions sessions(int max) {
        List<RunSessions.Row> rows = new ArrayList<>();
        List<SessionRecord> all = new ArrayList<>(lastLanded.values());
        for (int i = all.size() - 1; i >= 0 && rows.size() < max; i--) {
            SessionRecord r = all.get(i);
            rows.add(new RunSessions.Row(r, attempts.get(r.sessionId())));
        }
        return new RunSessions(rows, all.size());
    }

    StoppingRule.Evaluation evaluation() {
        return test.evaluation();
    }

    PairCounts counts() {
        return test.counts();
    }

    /** Pairs where both arms failed for infrastructure reasons (no evidence either way). */
    long brokenPairs() {
        return test.outagePairs().size();
    }

    List<Double> trace() {
        return test == null ? List.of() : test.trace();
    }

    AbExperiment.Settings settings() {
        return settings;
    }

    Instant firstStart() {
        return firstStart;
    }

    String testName() {
        return test == null ? null : test.rule().test();
    }
}
