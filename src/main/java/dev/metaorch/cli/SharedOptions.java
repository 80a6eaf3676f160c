package dev.metaorch.cli;

import dev.metaorch.common.MetaorchException;
import dev.metaorch.store.StoreUrl;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Options that several commands share, each declared once as a picocli mixin (the
 * {@code StandardOptions} recipe of commons-rng's examples-stress). A command takes one with
 * {@code @Mixin JsonOutput json;}. Picocli instantiates a mixin field that is null, so the
 * fields need no initialiser; defaults come from {@code defaultValue} and are shown in
 * {@code --help} by {@code showDefaultValues} (set for every command in {@link CommandFactory}).
 */
final class SharedOptions {
    private SharedOptions() {
    }

    /**
     * {@code --json}: one JSON document on stdout instead of the human text; also the command's
     * {@link Console} (the mixin gets its command's spec injected, so commands need no
     * {@code @Spec} of their own just to print).
     */
    static final class JsonOutput {
        @Spec(Spec.Target.MIXEE)
        CommandSpec spec;

        @Option(names = "--json", description = "Print one JSON document on stdout instead of the human text.")
        boolean enabled;

        Console console() {
            return new Console(spec);
        }
    }

    /** {@code --results DIR}. */
    static final class ResultsDir {
        @Option(names = "--results", paramLabel = "DIR", defaultValue = "results", description = "Results folder.") Path dir;
    }

    /** {@code --store URL}: the team store; without it, {@code METAORCH_STORE}. */
    static final class Store {
        @Option(names = "--store", paramLabel = "URL", showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER,
                description = "Team store: postgresql://[user[:password]@]host[:port]/database[?schema=name] "
                        + "(default: $METAORCH_STORE).")
        String url;

        @Spec(Spec.Target.MIXEE) CommandSpec mixee;

        /**
         * The store named by --store or METAORCH_STORE; null when neither names one, or when only
         * METAORCH_STORE does and --results was given on the command line (the folder asked for wins
         * over the environment). An empty --store is bad input.
         */
        StoreUrl optional() {
            return url == null && resultsGiven() ? null : given();
        }

        /** --store or METAORCH_STORE, whatever else was given (a worker's --results is where its agents log). */
        private StoreUrl given() {
            if (url != null && url.isBlank()) {
                throw MetaorchException.invalidInput("--store: empty; give postgresql://host:5432/database");
            }
            return StoreUrl.fromOptionOrEnv(url);
        }

        private boolean resultsGiven() {
            for (CommandSpec c = mixee; c != null; c = c.parent()) {
                picocli.CommandLine line = c.commandLine();
                if (line != null && line.getParseResult() != null) {
                    picocli.CommandLine.ParseResult pr = line.getParseResult();
                    while (pr.hasSubcommand()) {
                        pr = pr.subcommand();
                    }
                    return pr.hasMatchedOption("--results");
                }
            }
            return false;
        }

        /** The store named by --store or METAORCH_STORE; neither is bad input (exit 2, one line). */
        StoreUrl required(String command) {
            StoreUrl u = given();
            if (u == null) {
                throw MetaorchException.invalidInput(command + ": no store given: add --store "
                        + "postgresql://host:5432/database or set " + StoreUrl.ENV);
            }
            return u;
        }
    }

    /** {@code --plugins DIR}. */
    static final class PluginDir {
        @Option(names = "--plugins", paramLabel = "DIR", defaultValue = "plugins", description = "Plugin jar folder.")
        Path dir;
    }

    /** {@code --prices FILE}; null means: look beside the configs, then configs/prices.json. */
    static final class PriceFile {
        @Option(names = "--prices", paramLabel = "FILE", showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER,
                description = "Price table (default: prices.json beside the configs, else configs/prices.json).")
        Path file;
    }

    /** The files a command that runs sessions reads and writes: {@code --results}, {@code --plugins}, {@code --prices}. */
    static final class RunInputs {
        @Mixin ResultsDir results;
        @Mixin PluginDir plugins;
        @Mixin PriceFile prices;
    }

    /** {@code --attempt N}: which attempt of a session (a retried session has several). */
    static final class Attempt {
        @Option(names = "--attempt", paramLabel = "N", description = "The attempt (default: the last one kept).")
        Integer number;
    }

    /** {@code --seed N} of a simulation (Monte Carlo, posterior draws). */
    static final class SimulationSeed {
        @Option(names = "--seed", defaultValue = "1", description = "Seed of the simulation (same seed, same figures).")
        long seed;
    }

    /** {@code --threads N}: worker threads of a simulation. */
    static final class Threads {
        @Option(names = "--threads", paramLabel = "N", showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER,
                description = "Worker threads (default: all cores).")
        Integer threads;

        int resolve() {
            int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
            if (n < 1) {
                throw MetaorchException.invalidInput("--threads: must be >= 1, got " + n);
            }
            return n;
        }
    }

    /** {@code --set KEY=VALUE}, applied after inheritance. */
    static final class Overrides {
        @Option(names = "--set", paramLabel = "KEY=VALUE", showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER,
                description = "Override a config value after inheritance, e.g. run.concurrency=16 or guidelines='[\"a\"]'; "
                        + "repeatable (default: none).")
        List<String> values = new ArrayList<>();
    }

    /** {@code --plot FILE}: a chart as .svg or .png. */
    static final class PlotFile {
        @Option(names = "--plot", paramLabel = "FILE", description = "Write the chart as .svg or .png.") Path file;

        Path checked() {
            if (file != null && !file.toString().matches(".*\\.(svg|png)$")) {
                throw MetaorchException.invalidInput("--plot: the file must end in .svg or .png, got " + file);
            }
            return file;
        }
    }

    /**
     * What every command that launches sessions ({@code run}, {@code run-experiment}) accepts. A
     * null value falls back to the config (or the hub file).
     */
    static final class Launch {
        /** Largest spend cap: the ledger counts nano-dollars in a long. */
        static final double MAX_COST_USD = 1e9;

        @Option(names = "--quiet", description = "No live status on stderr.") boolean quiet;

        @Option(names = "--concurrency", paramLabel = "N", showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER,
                description = "Sessions at once (default: run.concurrency of the config, 8 for the hub).")
        Integer concurrency;

        @Option(names = "--max-cost", paramLabel = "USD", showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER,
                description = "Spend cap (default: run.max_cost_usd of the config); refused when the projection exceeds it.")
        Double maxCost;

        @Option(names = "--force", description = "Start even when the projected spend exceeds the cap (it still stops "
                + "there); with --resume, resume although a task suite, price table or plugin changed since the run "
                + "started (the run goes on with its snapshot copies).")
        boolean force;

        @Option(names = "--seed", showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER,
                description = "Run seed (default: run.seed of the config): same seed, same sessions, same decision.")
        Long seed;

        @Option(names = "--run-id", showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER,
                description = "Id of the new run (default: <experiment id>-<timestamp>).")
        String runId;

        @Option(names = "--resume", paramLabel = "RUN_ID",
                description = "Continue an interrupted run (or complete a finished one's tracker line and hashes).")
        String resume;

        /** Parse checks that need no config: numbers a run could never use. */
        void check() {
            if (maxCost != null && !(maxCost > 0 && maxCost <= MAX_COST_USD)) {
                throw MetaorchException.invalidInput("--max-cost: must be a dollar amount > 0 and at most 1e9, got " + maxCost);
            }
            if (concurrency != null && (concurrency < 1 || concurrency > 1024)) {
                throw MetaorchException.invalidInput("--concurrency: must be in 1..1024, got " + concurrency);
            }
        }
    }
}
