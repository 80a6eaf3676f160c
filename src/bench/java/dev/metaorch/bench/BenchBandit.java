package dev.metaorch.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.sun.management.OperatingSystemMXBean;
import dev.metaorch.bandit.BanditPolicy;
import dev.metaorch.bandit.BanditReport;
import dev.metaorch.bandit.BanditSimulator;
import dev.metaorch.bandit.Policies;
import dev.metaorch.common.Json;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code scripts/bench-bandit [runs=500] [horizon=10000] [repeats=5]}: metaorch's bandit simulator and a
 * vectorised numpy simulation of the same four policies ({@code scripts/lib/bandit_numpy.py}),
 * measured in the same run on the same machine, one after the other, each on one core: arms
 * 0.3, 0.4, 0.5, 0.6, 0.7, seed 1. metaorch runs one worker thread after a JIT warm-up pass of
 * 50 runs; numpy runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset and one BLAS thread.
 * Each side times {@code repeats} simulations per policy and reports the median pulls per
 * second of wall-clock time, and the pulls per CPU second of its process over all repetitions (on a machine shared with other
 * work, CPU time is the fairer measure). Prints both sides, their ratios, and both sides' mean pseudo-regret at T
 * with its standard error (they must agree: the check that both simulate the same policies).
 * Without python3 and numpy it prints metaorch's side only and says so.
 */
public final class BenchBandit {
    static final List<String> POLICIES = List.of("eps-greedy", "ucb1", "kl-ucb", "thompson");
    static final double[] ARMS = {0.3, 0.4, 0.5, 0.6, 0.7};

    private BenchBandit() {
    }

    /** The JSON the numpy reference prints. */
    record NumpyRun(String numpy, Map<String, NumpyPolicy> policies) {
    }

    record NumpyPolicy(@JsonProperty("pulls_per_sec") double pullsPerSec,
            @JsonProperty("pulls_per_cpu_sec") double pullsPerCpuSec, double seconds,
            @JsonProperty("cpu_seconds") double cpuSeconds,
            @JsonProperty("regret_mean") double regretMean, @JsonProperty("regret_se") double regretSe) {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int horizon = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        List<BanditPolicy> policies = POLICIES.stream().map(n -> Policies.create(n, 0.1, 1, 1)).toList();
        BanditSimulator oneCore = new BanditSimulator(1);
        oneCore.simulate(ARMS, horizon, 50, policies, 7, new long[] {horizon}, null); // JIT warm-up
        Map<String, BanditReport.PolicyResult> java = new LinkedHashMap<>();
        Map<String, Double> javaCpu = new LinkedHashMap<>();
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Map<String, Double> javaWall = new LinkedHashMap<>();
        for (BanditPolicy policy : policies) {
            double[] wall = new double[repeats];
            long cpuNanos = 0;
            for (int rep = 0; rep < repeats; rep++) {
                long cpu0 = os.getProcessCpuTime();
                long wall0 = System.nanoTime();
                BanditReport r = oneCore.simulate(ARMS, horizon, runs, List.of(policy), 1, new long[] {horizon}, null);
                wall[rep] = (double) runs * horizon / ((System.nanoTime() - wall0) / 1e9);
                cpuNanos += os.getProcessCpuTime() - cpu0;
                java.put(policy.name(), r.policies().get(policy.name()));
            }
            javaWall.put(policy.name(), median(wall));
            // the process CPU clock ticks in 10 ms steps: one total over all repetitions
            javaCpu.put(policy.name(), (double) runs * horizon * repeats / (cpuNanos / 1e9));
        }
        NumpyRun numpy = numpy(runs, horizon, repeats);
        System.out.printf(Locale.ROOT, "arms 0.3..0.7, T = %,d, %,d runs, one core each, same machine, one after the other%n",
                horizon, runs);
        System.out.println("pulls per second of wall-clock time, and per CPU second of each process (JIT and GC"
                + " threads included): on a shared machine the CPU-time ratio is the one to quote");
        System.out.printf(Locale.ROOT, "%-11s %14s %14s %6s %14s %14s %6s   %-14s %-14s%n", "policy", "metaorch wall",
                "numpy wall", "ratio", "metaorch CPU", "numpy CPU", "ratio", "regret metaorch", "regret numpy");
        for (String n : POLICIES) {
            BanditReport.PolicyResult j = java.get(n);
            NumpyPolicy p = numpy == null ? null : numpy.policies().get(n);
            System.out.printf(Locale.ROOT, "%-11s %,14.0f %14s %6s %,14.0f %14s %6s   %-14s %-14s%n", n, javaWall.get(n),
                    p == null ? "-" : String.format(Locale.ROOT, "%,.0f", p.pullsPerSec()),
                    p == null ? "-" : String.format(Locale.ROOT, "%.1fx", javaWall.get(n) / p.pullsPerSec()),
                    javaCpu.get(n), p == null ? "-" : String.format(Locale.ROOT, "%,.0f", p.pullsPerCpuSec()),
                    p == null ? "-" : String.format(Locale.ROOT, "%.1fx", javaCpu.get(n) / p.pullsPerCpuSec()),
                    String.format(Locale.ROOT, "%.1f ± %.1f", j.regretMean(), j.regretSe()),
                    p == null ? "-" : String.format(Locale.ROOT, "%.1f ± %.1f", p.regretMean(), p.regretSe()));
        }
        System.out.println(numpy == null ? "numpy: not measured (needs python3 with numpy)"
                : "numpy " + numpy.numpy() + " (scripts/lib/bandit_numpy.py); java " + System.getProperty("java.version")
                        + "; " + Runtime.getRuntime().availableProcessors() + " cores, metaorch on one worker thread");
    }

    /** Runs the numpy reference, or returns null when python3 or numpy is missing. */
    static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static NumpyRun numpy(int runs, int horizon, int repeats) throws IOException, InterruptedException {
        Path script = Path.of("scripts", "lib", "bandit_numpy.py");
        List<String> cmd = new ArrayList<>(List.of("python3", script.toString(), "--runs", Integer.toString(runs),
                "--horizon", Integer.toString(horizon), "--repeats", Integer.toString(repeats), "--seed", "1", "--policies", String.join(",", POLICIES)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        // older OpenBLAS builds need these on some processors; they slow a current numpy (env README)
        pb.environment().remove("OPENBLAS_CORETYPE");
        pb.environment().remove("OPENBLAS_L2_SIZE");
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return null;
        }
        Path out = Files.createTempFile("bench-bandit", ".json");
        try {
            try (var in = p.getInputStream()) {
                Files.write(out, in.readAllBytes());
            }
            if (!p.waitFor(1, TimeUnit.HOURS) || p.exitValue() != 0) {
                return null;
            }
            return Json.mapper().readValue(Files.readString(out, StandardCharsets.UTF_8), NumpyRun.class);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
