package dev.metaorch.bench;

import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.PriceTable;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.config.TaskSuite;
import dev.metaorch.runner.ArmFactory;
import dev.metaorch.runner.ArmSetup;
import dev.metaorch.runner.RunnerOptions;
import dev.metaorch.runner.SessionJob;
import dev.metaorch.runner.SessionRunner;
import dev.metaorch.runner.TaskPlan;
import dev.metaorch.session.JsonlSessionStore;
import dev.metaorch.variant.VariantRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code scripts/bench-runner}: N simulated sessions through the session runner and the durable
 * log (group commit, fsync), at a given concurrency. Prints sessions per second, forces, and
 * peak heap. Usage: {@code BenchRunner [sessions=100000] [concurrency=256] [dir]}.
 */
public final class BenchRunner {
    private BenchRunner() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        Path dir = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory(Path.of("target"), "bench-runner");
        ResolvedConfig config = new ConfigLoader().load(Path.of("configs/baseline.json"));
        TaskSuite suite = TaskSuite.load(config.tasksPath());
        ArmSetup arm = new ArmFactory(VariantRegistry.load(null), null).create("bench", config, suite, null);
        TaskPlan plan = new TaskPlan(suite.tasks(), 1);
        Path log = dir.resolve("sessions.jsonl");
        for (int round = 0; round < 2; round++) {
            Files.deleteIfExists(log);
            int sessions = round == 0 ? Math.min(n, 20_000) : n;
            resetPeaks();
            long start = System.nanoTime();
            AtomicLong done = new AtomicLong();
            Semaphore slots = new Semaphore(concurrency * 2);
            long forces;
            try (JsonlSessionStore store = JsonlSessionStore.open(log);
                    SessionRunner runner = new SessionRunner(store, "bench", 1, new RunnerOptions(concurrency, 300, 0, 0,
                            30, 1e9, null), r -> { })) {
                for (int i = 0; i < sessions; i++) {
                    slots.acquire();
                    runner.submit(new SessionJob(arm, i, 0, plan.task(i))).whenComplete((r, e) -> {
                        done.incrementAndGet();
                        slots.release();
                    });
                }
                slots.acquire(concurrency * 2);
                forces = store.forces();
            }
            double secs = (System.nanoTime() - start) / 1e9;
            long lines;
            try (var s = Files.lines(log)) {
                lines = s.count();
            }
            System.out.printf("%s: %d sessions at concurrency %d in %.2f s = %,.0f sessions/s; %d forces (%.1f records "
                    + "per fsync); %d lines durable; peak heap %.0f MB; log %.1f MB%n", round == 0 ? "warm-up" : "measured",
                    sessions, concurrency, secs, sessions / secs, forces, (double) sessions / Math.max(1, forces), lines,
                    peakHeapMb(), Files.size(log) / 1e6);
        }
    }

    private static void resetPeaks() {
        System.gc();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            p.resetPeakUsage();
        }
    }

    static double peakHeapMb() {
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                peak += p.getPeakUsage().getUsed();
            }
        }
        return peak / 1e6;
    }
}
