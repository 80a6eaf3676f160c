package dev.metaorch.serve;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Results folders for the dashboard tests: finished runs, and a run in progress fed by the test. */
public final class Fixtures {
    private Fixtures() {
    }

    /** A finished run-experiment (the simulated demo agent, seeded). */
    public static void decided(Path results, String runId, String test, long seed, String... extra) {
        List<String> args = new ArrayList<>(List.of("run-experiment", "--control", "configs/baseline.json", "--test", test,
                "--results", results.toString(), "--run-id", runId, "--seed", String.valueOf(seed), "--quiet"));
        args.addAll(List.of(extra));
        assertThat(CommandResult.run(args.toArray(String[]::new))).succeeded();
    }

    /**
     * A run in progress: {@code liveId} gets {@code from}'s manifest and configs but an empty log;
     * returns {@code from}'s log lines rewritten for {@code liveId}, for the test to append.
     */
    public static List<String> liveCopy(Path results, String from, String liveId) throws IOException {
        Path src = results.resolve("runs").resolve(from);
        Path dst = results.resolve("runs").resolve(liveId);
        Files.createDirectories(dst.resolve("logs"));
        for (String f : List.of("run.json", "config.control.json", "config.test.json")) {
            String text = Files.readString(src.resolve(f));
            if (f.equals("run.json")) {
                ObjectNode m = (ObjectNode) Json.mapper().readTree(text);
                text = Json.pretty(m.put("run_id", liveId));
            }
            Files.writeString(dst.resolve(f), text);
        }
        Files.writeString(dst.resolve("sessions.jsonl"), "");
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(src.resolve("sessions.jsonl"))) {
            ObjectNode o = (ObjectNode) Json.mapper().readTree(line);
            o.put("run_id", liveId).put("session_id", liveId + o.path("session_id").asText().substring(from.length()));
            out.add(Json.line(o).strip());
        }
        return out;
    }

    public static void append(Path results, String runId, List<String> lines) throws IOException {
        StringBuilder b = new StringBuilder();
        lines.forEach(l -> b.append(l).append('\n'));
        Files.writeString(results.resolve("runs").resolve(runId).resolve("sessions.jsonl"), b.toString(),
                StandardOpenOption.APPEND);
    }

    /** Starts a {@link LockHolder} on the run's lock file and waits until it holds the lock. */
    public static Process holdLock(Path results, String runId) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(),
                results.resolve("runs").resolve(runId).resolve("run.lock").toString()).redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        // read on another thread so that the timeout can fire
        String first = CompletableFuture.supplyAsync(() -> {
            try {
                return r.readLine();
            } catch (IOException e) {
                return "read failed: " + e;
            }
        }).get(30, TimeUnit.SECONDS);
        assertThat(first).isEqualTo("locked");
        return p;
    }

    public static void kill(Process p) throws InterruptedException {
        p.destroyForcibly();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
}
