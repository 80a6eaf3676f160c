package dev.metaorch.cli;

import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.store.PgStore;
import dev.metaorch.store.Worker;
import dev.metaorch.variant.VariantRegistry;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code metaorch worker}: runs the sessions that coordinators queue in a team store. */
@Command(name = "worker", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run sessions for the experiments coordinated through a team store (PostgreSQL), on this "
            + "machine, until stopped.",
            "A worker claims queued attempts (at most --concurrency at a time), holds a lease on each that it renews "
                + "every third of --lease-s, runs them with the same variants as a local run and writes their records. "
                + "An attempt whose worker dies is recorded lost when its lease expires and issued again; none is "
                + "handed out twice. Ctrl-C or SIGTERM cancels the sessions in flight (the coordinator issues them again)."},
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch worker --store postgresql://db.team:5432/metaorch --concurrency 16",
            "  export METAORCH_STORE=postgresql://127.0.0.1:5432/test",
            "  metaorch worker --plugins plugins/      # the store of METAORCH_STORE",
            "  metaorch worker --idle-exit-s 30        # stop after 30 s with nothing to run (batch jobs)",
            "",
            "Exit 0 after --idle-exit-s; 143 on SIGTERM and 130 on Ctrl-C, once the sessions in flight are cancelled (the "
                + "coordinator issues them again); 2 on bad input (no store, a schema never migrated); 1 when the store "
                + "cannot be reached."})
final class WorkerCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin SharedOptions.Store store;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "8", description = "Sessions at once.")
    int concurrency;

    @Option(names = "--lease-s", paramLabel = "S", defaultValue = "30",
            description = "Lease of a claimed attempt: if this worker stops renewing it for that long, it is recorded "
                    + "lost and issued again.")
    double leaseS;

    @Option(names = "--idle-exit-s", paramLabel = "S", showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER,
            description = "Stop after this many seconds with nothing claimed and nothing running, counted from the "
                    + "start or the last session (so start workers after, or just before, the run; default: never).")
    Double idleExitS;

    @Mixin SharedOptions.PluginDir plugins;
    @Mixin SharedOptions.ResultsDir results;

    @Override
    public Integer call() {
        Duration lease = StoreOptions.lease(leaseS);
        if (idleExitS != null && !(idleExitS > 0 && idleExitS <= 31_536_000)) {
            throw MetaorchException.invalidInput("--idle-exit-s: must be a number of seconds above 0, got " + idleExitS);
        }
        var url = store.required("worker");
        VariantRegistry registry = VariantRegistry.load(plugins.dir);
        Console console = new Console(spec);
        try (PgStore pg = PgStore.open(url, Math.min(16, 2 + concurrency / 8), true)) {
            Worker worker = new Worker(pg, registry, concurrency, lease, results.dir.resolve("worker"),
                    m -> console.info(m));
            console.info("worker " + worker.id() + ": " + url + ", " + concurrency + " at a time, lease "
                    + leaseS + " s; agent logs under " + results.dir.resolve("worker"));
            Worker.Stats stats;
            try (InterruptHook hook = new InterruptHook(() -> worker.close(Duration.ofSeconds(2)))) {
                stats = worker.run(idleExitS == null ? null : Duration.ofMillis(Math.round(idleExitS * 1000)));
                worker.close(Duration.ofSeconds(5));
            }
            console.info("worker " + worker.id() + " stopped: " + stats.claimed() + " attempts claimed, "
                    + stats.finished() + " finished, " + stats.discarded() + " late records discarded");
        }
        return ExitCodes.OK;
    }
}
