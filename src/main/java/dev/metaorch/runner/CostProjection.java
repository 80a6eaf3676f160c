package dev.metaorch.runner;

import dev.metaorch.session.SessionLogReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Cost per session of an arm before it runs: the mean cost of earlier sessions with the same
 * config hash in {@code results/runs/*} (newest runs first, up to 5,000 sessions), else the
 * variant's own token estimate priced at the arm's model. Only the 20 most recent runs are read,
 * so starting a run stays cheap however much history results/ holds.
 */
public final class CostProjection {
    private CostProjection() {
    }

    static final int MAX_RUNS = 20;

    public record PerSession(double usd, String source) {
    }

    public static Optional<PerSession> perSession(ArmSetup arm, Path resultsDir) {
        Optional<PerSession> history = fromHistory(arm.config().configHash(), resultsDir);
        if (history.isPresent()) {
            return history;
        }
        return arm.variant().estimate().map(e -> new PerSession(
                arm.price().cost(Math.round(e.prompt()), Math.round(e.cachedPrompt()), Math.round(e.completion())),
                "variant estimate"));
    }

    static Optional<PerSession> fromHistory(String configHash, Path resultsDir) {
        Path runs = resultsDir.resolve("runs");
        if (!Files.isDirectory(runs)) {
            return Optional.empty();
        }
        double[] sum = new double[1];
        long[] n = new long[1];
        try (Stream<Path> dirs = Files.list(runs)) {
            List<Path> logs = dirs.map(d -> d.resolve("sessions.jsonl")).filter(Files::isRegularFile)
                    .sorted(Comparator.comparing(CostProjection::mtime).reversed()).limit(MAX_RUNS).toList();
            for (Path log : logs) {
                if (n[0] >= 5000) {
                    break;
                }
                SessionLogReader.read(log, r -> {
                    if (configHash.equals(r.configHash()) && !r.outcome().isInfrastructure()) {
                        sum[0] += r.costUsd();
                        n[0]++;
                    }
                }, p -> { });
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return n[0] < 10 ? Optional.empty()
                : Optional.of(new PerSession(sum[0] / n[0], n[0] + " earlier sessions of config " + configHash));
    }

    private static long mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
