package dev.metaorch.bench;

import dev.metaorch.cli.CommandFactory;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code scripts/bench-analyze [N=1000000]}: generates N sessions once (scripts/gen-sessions),
 * then runs {@code analyze --group-by config} and {@code pareto} in this process (run it with
 * -Xmx512m) and prints seconds, MB/s and peak heap.
 */
public final class BenchAnalyze {
    private BenchAnalyze() {
    }

    public static void main(String[] args) throws Exception {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        Path results = Path.of("target", "bench-analyze");
        String runId = "gen-" + n;
        Path log = results.resolve("runs").resolve(runId).resolve("sessions.jsonl");
        if (!Files.isRegularFile(log)) {
            GenSessions.main(new String[] {Long.toString(n), results.toString(), runId});
        }
        double mb = Files.size(log) / 1e6;
        long[] peak = new long[1];
        Thread sampler = new Thread(() -> {
            Runtime rt = Runtime.getRuntime();
            while (true) {
                peak[0] = Math.max(peak[0], rt.totalMemory() - rt.freeMemory());
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "heap-sampler");
        sampler.setDaemon(true);
        sampler.start();
        for (int round = 0; round < 2; round++) {
            long start = System.nanoTime();
            String a = run("analyze", runId, "--results", results.toString(), "--group-by", "config");
            double analyze = (System.nanoTime() - start) / 1e9;
            long p0 = System.nanoTime();
            String p = run("pareto", runId, "--results", results.toString());
            double pareto = (System.nanoTime() - p0) / 1e9;
            double total = analyze + pareto;
            System.out.printf("%s: analyze --group-by config %.2f s + pareto %.2f s = %.2f s for %,d sessions (%.0f MB): "
                    + "%.0f MB/s per pass; peak used heap %.0f MB (sampled every 5 ms; max %d MB)%n",
                    round == 0 ? "cold (first pass in a fresh JVM)" : "warm", analyze, pareto, total, n, mb, 2 * mb / total,
                    peak[0] / 1e6, Runtime.getRuntime().maxMemory() >> 20);
            if (round == 1) {
                System.out.println(a.lines().limit(4).reduce("", (x, y) -> x + y + "\n") + p.lines().reduce("", (x, y) -> x + y + "\n"));
            }
        }
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CommandFactory.create(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        if (code != 0) {
            throw new IllegalStateException(String.join(" ", args) + " failed: " + err);
        }
        return out.toString();
    }
}
