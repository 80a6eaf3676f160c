package dev.metaorch.cli;

import dev.metaorch.common.MetaorchException;
import dev.metaorch.store.StoreUrl;
import dev.metaorch.store.TeamOptions;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options naming a team store, shared by the commands that use one. */
final class StoreOptions {
    private StoreOptions() {
    }

    /** A lease: how long a claimed attempt stays with a worker that stopped renewing it. */
    static Duration lease(double seconds) {
        if (!(seconds >= 1 && seconds <= 86_400)) {
            throw MetaorchException.invalidInput("--lease-s: must be between 1 and 86400 seconds, got " + seconds);
        }
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    /** The coordinator's options of {@code run-experiment}. */
    static final class Coordinator {
        @Option(names = "--store", paramLabel = "URL", description = "Coordinate the run through a team store: sessions "
                + "are queued in PostgreSQL and run by `metaorch worker`s on any machine (and by this process, see "
                + "--local-workers); postgresql://[user[:password]@]host[:port]/database[?schema=name]. Default: METAORCH_STORE; "
                + "without either the run stays in results/ on this machine.")
        String url;

        @Option(names = "--local-workers", paramLabel = "N", showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER,
                description = "With a store: sessions this process runs itself at once (default: the run's concurrency; "
                        + "0: only remote workers).")
        Integer localWorkers;

        @Option(names = "--lease-s", paramLabel = "S", defaultValue = "30",
                description = "With a store: the lease of this process's own worker.")
        double leaseS;

        /** The team options, or null for a run on this machine only. */
        TeamOptions options() {
            StoreUrl u = StoreUrl.fromOptionOrEnv(url);
            if (u == null) {
                if (localWorkers != null) {
                    throw MetaorchException.invalidInput("--local-workers: only with --store (or METAORCH_STORE)");
                }
                return null;
            }
            if (localWorkers != null && (localWorkers < 0 || localWorkers > 4096)) {
                throw MetaorchException.invalidInput("--local-workers: must be in 0..4096, got " + localWorkers);
            }
            return new TeamOptions(u, localWorkers, lease(leaseS));
        }
    }
}
