package dev.metaorch.runner;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.analysis.ArmStats;
import dev.metaorch.common.AtomicFiles;
import dev.metaorch.common.Hashing;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.HashDictionary;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.config.TaskSuite;
import dev.metaorch.session.JsonlSessionStore;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.variant.VariantRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The experiment hub (seed 000): runs every variant config on the task suite, scores each on
 * success, cost, latency and autonomy, and ranks them. Session k of every variant runs the
 * same task (one seeded plan), so variants are compared on equal footing.
 * <p>Composite score and the top-two comparison: {@link HubRanking}.
 */
public final class Hub {
    /** Progress of a hub run. */
    public record Progress(long done, long total, long successes, double spendUsd) {
    }

    public record Options(HubSpec spec, List<Path> variants, Integer sessions, Long seed, int concurrency,
            String runId, Path resultsDir, Path pluginDir, Path prices, String allocation, Double maxCostUsd,
            boolean force) {
    }

    private final Options options;
    private final AllocatorFactory allocators;

    /** Makes the allocator for a policy name, given the number of arms and total sessions. */
    public interface AllocatorFactory {
        Allocator create(String policy, int arms, long totalSessions, long seed);
    }

    public Hub(Options options, AllocatorFactory allocators) {
        this.options = options;
        this.allocators = allocators;
    }

    public ObjectNode run(Consumer<Progress> progress, Consumer<String> messages) throws IOException {
        Instant started = Instant.now();
        ConfigLoader loader = new ConfigLoader();
        List<ResolvedConfig> configs = new ArrayList<>();
        for (Path p : options.variants()) {
            ResolvedConfig c = loader.load(p);
            c.warnings().forEach(w -> messages.accept("warning: " + w));
            if (configs.stream().anyMatch(x -> x.experimentId().equals(c.experimentId()))) {
                throw MetaorchException.invalidInput(p + ": /experiment_id: '" + c.experimentId()
                        + "' is used by two hub variants; each needs its own id");
            }
            configs.add(c);
        }
        int k = configs.size();
        long seed = options.seed() != null ? options.seed() : options.spec().seed();
        long total = options.sessions() != null ? options.sessions() : (long) options.spec().sessionsPerVariant() * k;
        if (total < k) {
            throw MetaorchException.invalidInput("--sessions: must be at least the number of variants (" + k + "), got " + total);
        }
        String runId = options.runId() != null ? options.runId() : RunFolder.newRunId("hub");
        RunFolder folder = new RunFolder(options.resultsDir(), runId);
        if (folder.exists()) {
            throw MetaorchException.invalidInput("--run-id " + runId + ": a run with that id exists");
        }
        VariantRegistry registry = VariantRegistry.load(options.pluginDir());
        ArmFactory factory = new ArmFactory(registry, options.prices());
        List<ArmSetup> arms = new ArrayList<>();
        List<TaskPlan> plans = new ArrayList<>();
        for (ResolvedConfig c : configs) {
            TaskSuite suite = TaskSuite.load(c.tasksPath());
            arms.add(factory.create(c.experimentId(), c, suite, folder.logs()));
            plans.add(new TaskPlan(suite.restrictedTo(c.taskCodes()), Hashing.deriveSeed(seed, "hub")));
        }
        String policy = options.allocation() == null ? "uniform" : options.allocation();
        Allocator allocator = allocators.create(policy, k, total, seed);
        double budget = options.maxCostUsd() != null ? options.maxCostUsd() : options.spec().maxCostUsd();
        budgetGate(arms, total, budget, messages);
        folder.create();
        Map<String, String> hashes = new TreeMap<>();
        for (ResolvedConfig c : configs) {
            folder.writeConfig(c.experimentId(), c);
            for (int i = 0; i < c.guidelines().size(); i++) {
                hashes.put(c.guidelineHashes().get(i), c.guidelines().get(i));
            }
        }
        new HashDictionary(options.resultsDir()).addAll(hashes);
        int concurrency = options.concurrency();
        long[] finished = new long[k];
        long[] successes = new long[k];
        long[] pending = new long[k];
        long[] launched = new long[k];
        ArmStats[] stats = new ArmStats[k];
        List<List<SessionRecord>> records = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            stats[i] = new ArmStats();
            records.add(new ArrayList<>());
        }
        Map<String, Integer> armIndex = new HashMap<>();
        for (int i = 0; i < k; i++) {
            armIndex.put(arms.get(i).arm(), i);
        }
        LinkedBlockingQueue<Object> done = new LinkedBlockingQueue<>();
        double spend = 0;
        long doneCount = 0;
        long allSuccesses = 0;
        var runOptions = configs.get(0).run();
        try (JsonlSessionStore store = JsonlSessionStore.open(folder.sessions());
                SessionRunner runner = new SessionRunner(store, runId, seed, new RunnerOptions(concurrency,
                        runOptions.timeoutS(), runOptions.retries(), 200, runOptions.maxSteps(), runOptions.maxCostUsd(),
                        folder.logs()), r -> { })) {
            long launchedTotal = 0;
            int outstanding = 0;
            while (true) {
                while (outstanding < concurrency && launchedTotal < total && spend < budget) {
                    int arm = allocator.next(finished, successes, pending, launched);
                    if (arm < 0) {
                        break;
                    }
                    SessionJob job = new SessionJob(arms.get(arm), launched[arm], 0, plans.get(arm).task(launched[arm]));
                    launched[arm]++;
                    pending[arm]++;
                    launchedTotal++;
                    outstanding++;
                    CompletableFuture<SessionRecord> f = runner.submit(job);
                    f.whenComplete((rec, err) -> done.add(rec != null ? rec : err != null ? err
                            : new IllegalStateException("session stopped")));
                }
                if (outstanding == 0) {
                    break;
                }
                Object o;
                try {
                    o = done.poll(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw MetaorchException.runtime("hub run interrupted");
                }
                if (o == null) {
                    continue;
                }
                outstanding--;
                if (o instanceof Throwable t) {
                    Throwable cause = t.getCause() != null ? t.getCause() : t;
                    throw cause instanceof MetaorchException me ? me : MetaorchException.runtime(cause.getMessage(), cause);
                }
                SessionRecord rec = (SessionRecord) o;
                int i = armIndex.get(rec.arm());
                pending[i]--;
                finished[i]++;
                successes[i] += rec.success() ? 1 : 0;
                records.get(i).add(rec);
                spend += rec.costUsd();
                doneCount++;
                allSuccesses += rec.success() ? 1 : 0;
                progress.accept(new Progress(doneCount, total, allSuccesses, spend));
            }
        } finally {
            arms.forEach(a -> a.variant().close());
        }
        // aggregate in session order, not completion order, so sums are identical at any concurrency
        for (int i = 0; i < k; i++) {
            records.get(i).sort(java.util.Comparator.comparingLong(SessionRecord::pair));
            records.get(i).forEach(stats[i]::add);
        }
        long ran = java.util.Arrays.stream(launched).sum();
        if (ran < total) {
            messages.accept("budget: stopped after " + ran + " of " + total + " sessions, spend $"
                    + String.format("%.4f", spend) + " reached the cap $" + budget);
        }
        ObjectNode result = HubRanking.result(options.spec(), runId, seed, started, arms, stats, records, launched, policy,
                Math.max(1, ran));
        result.put("max_cost_usd", budget).put("cost_usd", spend).put("stopped_by_budget", ran < total);
        AtomicFiles.writeJson(folder.result(), result);
        AtomicFiles.writeJson(options.resultsDir().resolve("latest_run.json"), result);
        return result;
    }

    /**
     * Projects the spend (sessions split evenly, each variant's cost per session from earlier
     * sessions of its config or its own estimate) and refuses when it exceeds the budget.
     */
    private void budgetGate(List<ArmSetup> arms, long total, double budget, Consumer<String> messages) {
        double perSession = 0;
        int known = 0;
        for (ArmSetup a : arms) {
            var c = CostProjection.perSession(a, options.resultsDir());
            if (c.isPresent()) {
                perSession += c.get().usd();
                known++;
            }
        }
        if (known == 0) {
            messages.accept("warning: no cost estimate for the variants: budget gate skipped");
            return;
        }
        double projected = perSession / known * total;
        String figures = String.format("projected spend $%.4f for %d sessions ($%.5f per session on average), budget $%.2f",
                projected, total, perSession / known, budget);
        if (projected > budget && !options.force()) {
            throw MetaorchException.invalidInput("budget: " + figures + " — raise --max-cost (or max_cost_usd in the "
                    + "hub file), run fewer --sessions, or pass --force");
        }
        messages.accept((projected > budget ? "warning: " : "") + figures);
    }
}
