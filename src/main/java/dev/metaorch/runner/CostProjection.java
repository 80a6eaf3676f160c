package dev.metaorch.runner;

import dev.metaorch.common.Money;
import dev.metaorch.session.SessionLogReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What an arm's sessions cost before it runs, from earlier attempt records of the same config
 * hash in {@code results/runs/*} (the 20 most recent runs, up to 5,000 sessions), else the
 * variant's own token estimate priced at the arm's model.
 * <ul>
 * <li>{@code perSessionNanos}: the mean cost of a session with all its attempts — retries,
 * errors, timeouts and cancellations are paid too, so the projection counts them;</li>
 * <li>{@code perAttemptMaxNanos}: the dearest attempt seen, which the budget gate reserves.</li>
 * </ul>
 * A variant's estimate is a mean; the gate reserves twice it until the run has seen real attempts.
 */
public final class CostProjection {
    private CostProjection() {
    }

    static final int MAX_RUNS = 20;
    static final String VARIANT_ESTIMATE = "variant estimate";
    static final int MIN_SESSIONS = 10;

    /** Cost figures of one arm and where they came from. */
    public record Estimate(long perSessionNanos, long perAttemptMaxNanos, double attemptsPerSession, String source) {

        public double perSessionUsd() {
            return Money.usd(perSessionNanos);
        }
    }

    public static Optional<Estimate> of(ArmSetup arm, Path resultsDir) {
        Optional<Estimate> history = fromHistory(arm.config().configHash(), resultsDir);
        if (history.isPresent()) {
            return history;
        }
        return arm.variant().estimate().map(e -> {
            long mean = arm.price().costNanos(Math.round(e.prompt()), Math.round(e.cachedPrompt()),
                    Math.round(e.completion()));
            return new Estimate(mean, 2 * mean, 1.0, VARIANT_ESTIMATE);
        });
    }

    static Optional<Estimate> fromHistory(String configHash, Path resultsDir) {
        Path runs = resultsDir.resolve("runs");
        if (!Files.isDirectory(runs)) {
            return Optional.empty();
        }
        Map<String, Long> perSession = new HashMap<>();
        long[] attempts = new long[1];
        long[] max = new long[1];
        try (Stream<Path> dirs = Files.list(runs)) {
            List<Path> logs = dirs.map(d -> d.resolve("sessions.jsonl")).filter(Files::isRegularFile)
                    .sorted(Comparator.comparing(CostProjection::mtime).reversed()).limit(MAX_RUNS).toList();
            for (Path log : logs) {
                if (perSession.size() >= 5000) {
                    break;
                }
                SessionLogReader.read(log, r -> {
                    if (configHash.equals(r.configHash())) {
                        long c = r.costNanos();
                        perSession.merge(r.sessionId(), c, Long::sum);
                        attempts[0]++;
                        max[0] = Math.max(max[0], c);
                    }
                }, p -> { });
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        if (perSession.size() < MIN_SESSIONS) {
            return Optional.empty();
        }
        long sum = perSession.values().stream().mapToLong(Long::longValue).sum();
        int n = perSession.size();
        return Optional.of(new Estimate(Math.round((double) sum / n), max[0], (double) attempts[0] / n,
                n + " earlier sessions of config " + configHash));
    }

    private static long mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    /** A budget gate for {@code arms}: each reserves its dearest attempt seen, or twice its variant's estimate. */
    public static BudgetGate gate(List<ArmSetup> arms, Path resultsDir, long capNanos, long spentNanos) {
        Map<String, Long> estimates = new HashMap<>();
        for (ArmSetup a : arms) {
            of(a, resultsDir).ifPresent(e -> estimates.put(a.arm(), e.perAttemptMaxNanos()));
        }
        return new BudgetGate(capNanos, spentNanos, estimates);
    }
}
