package dev.metaorch.cli;

import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.stats.Direction;
import dev.metaorch.stats.SprtBounds;
import dev.metaorch.stats.SprtCalculator;
import dev.metaorch.stats.SprtPlan;
import dev.metaorch.stats.SprtPlanner;
import dev.metaorch.stats.StoppingRule;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code metaorch sprt test|plan}: the SPRT calculator and sample-size planner. */
@Command(name = "sprt", mixinStandardHelpOptions = true,
        description = "Sequential probability ratio tests: test counts, plan designs.",
        subcommands = {SprtCommand.Test.class, SprtCommand.Plan.class})
final class SprtCommand extends GroupCommand {

    /** The hypotheses and error rates that {@code sprt test} and {@code sprt plan} share. */
    static final class Hypotheses {
        @Option(names = "--alpha", defaultValue = "0.05", description = "Type I error.") double alpha;
        @Option(names = "--beta", defaultValue = "0.10", description = "Type II error.") double beta;

        @Option(names = "--min-effect", defaultValue = "0.15",
                description = "Smallest difference in success rate worth detecting.")
        double minEffect;

        @Option(names = "--discordance", defaultValue = "0.3",
                description = "Share of discordant pairs (paired design; McNemar test).")
        double discordance;

        @Option(names = "--p0", description = "Success probability under H0 (bernoulli).") Double p0;
        @Option(names = "--p1", description = "Success probability under H1 (bernoulli).") Double p1;

        void check() {
            if (!(alpha > 0 && alpha < 1)) {
                throw MetaorchException.invalidInput("--alpha: must be in (0, 1), got " + alpha);
            }
            if (!(beta > 0 && beta < 1)) {
                throw MetaorchException.invalidInput("--beta: must be in (0, 1), got " + beta);
            }
        }
    }

    /** {@code --test}: the paired test. */
    enum PairedTest {
        GSPRT, MCNEMAR;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** {@code --design} of {@code sprt plan}. */
    enum Design {
        PAIRED, UNPAIRED, BERNOULLI;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Command(name = "test", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Compute the LLR and decision for observed counts.",
            footerHeading = "%nExamples:%n",
            footer = {"  metaorch sprt test --wins 30 --ties 60 --losses 10",
                "  metaorch sprt test --successes 65 --failures 35 --p0 0.5 --p1 0.65 --json"})
    static final class Test implements Callable<Integer> {
        @Option(names = "--wins", description = "Pairs the test arm won.") Long wins;
        @Option(names = "--ties", description = "Pairs with the same result.") Long ties;
        @Option(names = "--losses", description = "Pairs the test arm lost.") Long losses;
        @Option(names = "--successes", description = "Successes (one-sample Bernoulli SPRT).") Long successes;
        @Option(names = "--failures", description = "Failures (one-sample Bernoulli SPRT).") Long failures;
        @Mixin Hypotheses h;

        @Option(names = "--test", defaultValue = "gsprt", description = "Paired test: ${COMPLETION-CANDIDATES}.")
        PairedTest test;

        @Option(names = "--direction", defaultValue = "better", description = "Change to detect: ${COMPLETION-CANDIDATES}.")
        Direction direction;

        @Option(names = "--overshoot", description = "Pull the bounds in by the expected overshoot (Siegmund's 0.583 x SD "
                + "of one increment); exact tests only: bernoulli and mcnemar.")
        boolean overshoot;

        @Mixin SharedOptions.JsonOutput json;

        @Override
        public Integer call() {
            h.check();
            Console console = json.console();
            boolean trinomial = wins != null || ties != null || losses != null;
            boolean single = successes != null || failures != null || h.p0 != null || h.p1 != null;
            if (trinomial == single) {
                throw MetaorchException.invalidInput("sprt test: give either --wins/--ties/--losses or "
                        + "--successes/--failures/--p0/--p1");
            }
            SprtCalculator.Result result = single ? bernoulli() : paired();
            if (json.enabled) {
                console.json(result);
            } else {
                console.out().printf(Locale.ROOT, "LLR %.10f   bounds [%.10f, %.10f]   decision %s%n", result.llr(),
                        result.lower(), result.upper(), result.decision().label());
            }
            return ExitCodes.OK;
        }

        private SprtCalculator.Result bernoulli() {
            if (successes == null || failures == null || h.p0 == null || h.p1 == null) {
                throw MetaorchException.invalidInput("sprt test: the Bernoulli test needs --successes, --failures, --p0 and --p1");
            }
            try {
                return SprtCalculator.bernoulli(successes, failures, h.p0, h.p1, new SprtBounds(h.alpha, h.beta), overshoot);
            } catch (IllegalArgumentException e) {
                throw MetaorchException.invalidInput("--successes/--failures/--p0/--p1: " + e.getMessage());
            }
        }

        private SprtCalculator.Result paired() {
            if (wins == null || ties == null || losses == null) {
                throw MetaorchException.invalidInput("sprt test: the paired test needs --wins, --ties and --losses");
            }
            if (!(h.minEffect > 0 && h.minEffect < 1)) {
                throw MetaorchException.invalidInput("--min-effect: must be in (0, 1), got " + h.minEffect);
            }
            try {
                return SprtCalculator.paired(new StoppingRule(test.toString(), direction, h.alpha, h.beta, h.minEffect,
                        h.discordance, Long.MAX_VALUE), wins, ties, losses, overshoot);
            } catch (IllegalArgumentException e) {
                throw MetaorchException.invalidInput("--wins/--ties/--losses: " + e.getMessage());
            }
        }
    }

    @Command(name = "plan", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Fixed-design n, an approximation of the test that is run, and a Monte Carlo of the "
                + "sequential test, with the saving.",
                "The approximation is Brownian for the GSPRT designs and Wald's for bernoulli; the Monte Carlo reports "
                    + "alpha, power, mean and 90th/99th percentile sample size and the inconclusive share, with "
                    + "standard errors."},
            footerHeading = "%nExamples:%n",
            footer = {"  metaorch sprt plan --design paired --discordance 0.3 --min-effect 0.15",
                "  metaorch sprt plan --design unpaired --p-control 0.5 --min-effect 0.15 --json",
                "  metaorch sprt plan --design bernoulli --p0 0.5 --p1 0.65 --simulate 0"})
    static final class Plan implements Callable<Integer> {

        @Option(names = "--design", defaultValue = "paired", description = "Design: ${COMPLETION-CANDIDATES}.")
        Design design;

        @Option(names = "--p-control", defaultValue = "0.5", description = "Control success rate (unpaired).")
        double pControl;

        @Mixin Hypotheses h;

        @Option(names = "--simulate", defaultValue = "20000", description = "Monte Carlo replications per hypothesis; 0 to skip.")
        int simulate;

        @Mixin SharedOptions.SimulationSeed seed;
        @Mixin SharedOptions.Threads threads;
        @Mixin SharedOptions.JsonOutput json;

        @Override
        public Integer call() {
            h.check();
            if (simulate < 0) {
                throw MetaorchException.invalidInput("--simulate: must be >= 0, got " + simulate);
            }
            int nThreads = threads.resolve();
            SprtPlanner planner = new SprtPlanner(nThreads);
            Console console = json.console();
            AtomicLong done = new AtomicLong();
            long total = 2L * simulate;
            java.util.function.LongConsumer progress = k -> {
                long d = done.addAndGet(k);
                if (!json.enabled && total >= 50_000 && d % (total / 4) < k) {
                    console.info(String.format(Locale.ROOT, "simulating: %d/%d replications", d, total));
                }
            };
            SprtPlan plan;
            try {
                plan = switch (design) {
                    case PAIRED -> planner.paired(h.alpha, h.beta, h.minEffect, h.discordance, simulate, seed.seed, progress);
                    case UNPAIRED -> planner.unpaired(h.alpha, h.beta, h.minEffect, pControl, simulate, seed.seed, progress);
                    case BERNOULLI -> {
                        if (h.p0 == null || h.p1 == null) {
                            throw MetaorchException.invalidInput("--design bernoulli: needs --p0 and --p1");
                        }
                        yield planner.bernoulli(h.alpha, h.beta, h.p0, h.p1, simulate, seed.seed, progress);
                    }
                };
            } catch (IllegalArgumentException e) {
                throw MetaorchException.invalidInput("sprt plan: " + e.getMessage());
            }
            if (json.enabled) {
                console.json(plan);
                return ExitCodes.OK;
            }
            printTable(console, plan);
            return ExitCodes.OK;
        }

        private static void printTable(Console c, SprtPlan p) {
            var out = c.out();
            out.printf(Locale.ROOT, "design %s, alpha %.3f, beta %.3f, effect %.3f (n in %s)%n", p.design(), p.alpha(), p.beta(),
                    p.minEffect(), p.unit());
            if (p.discordance() != null) {
                out.printf(Locale.ROOT, "%s discordance %.3f (share of pairs whose two sessions differ, under H0)%n",
                        p.design().equals("paired") ? "assumed" : "implied", p.discordance());
            }
            out.printf(Locale.ROOT, "fixed design n          %d (%.2f)%n", p.fixedN(), p.fixedNRaw());
            out.printf(Locale.ROOT, "truncation cap          %d%n", p.cap());
            out.printf(Locale.ROOT, "%-24s %18s %18s%n", "", "under H0", "under H1");
            if (p.wald() != null) {
                out.printf(Locale.ROOT, "%-24s %18.2f %18.2f%n", "Wald ASN", p.wald().asnH0(), p.wald().asnH1());
            }
            var bm = p.brownian();
            if (bm != null) {
                out.printf(Locale.ROOT, "%-24s %18.1f %18.1f%n", "Brownian approx. mean n", bm.asnH0(), bm.asnH1());
                out.printf(Locale.ROOT, "%-24s %18.4f %18.4f%n", "Brownian P(accept H1)", bm.alpha(), bm.power());
                out.printf(Locale.ROOT, "Brownian approx. mean n at the midpoint effect %.3f (the longest case): %.1f%n",
                        p.minEffect() / 2, bm.asnMidpoint());
            }
            if (p.exact() != null) {
                out.printf(Locale.ROOT, "%-24s %18.2f %18.2f%n", "exact mean n", p.exact().asnH0(), p.exact().asnH1());
                out.printf(Locale.ROOT, "%-24s %18.4f %18.4f%n", "exact P(accept H1)", p.exact().alpha(), p.exact().power());
            }
            var s = p.simulated();
            if (s != null) {
                out.printf(Locale.ROOT, "%-24s %18s %18s%n", "simulated mean n", pm(s.asnH0(), s.asnH0Se(), 1), pm(s.asnH1(), s.asnH1Se(), 1));
                out.printf(Locale.ROOT, "%-24s %18s %18s%n", "simulated p90 n [95%]", range(s.p90H0(), s.p90H0Ci()),
                        range(s.p90H1(), s.p90H1Ci()));
                out.printf(Locale.ROOT, "%-24s %18d %18d%n", "simulated p99 n", s.p99H0(), s.p99H1());
                out.printf(Locale.ROOT, "%-24s %18s %18s%n", "P(accept H1)", pm(s.alpha(), s.alphaSe(), 4), pm(s.power(), s.powerSe(), 4));
                out.printf(Locale.ROOT, "%-24s %18s %18s%n", "inconclusive at the cap", pm(s.inconclusiveH0(), s.inconclusiveH0Se(), 4),
                        pm(s.inconclusiveH1(), s.inconclusiveH1Se(), 4));
                out.printf(Locale.ROOT, "(%d replications per hypothesis, seed %d, %.2f s; ± one Monte Carlo standard error)%n",
                        s.replications(), s.seed(), s.seconds());
            }
            if (p.savingsH0() != null) {
                out.printf(Locale.ROOT, "saving vs fixed design  %s under H0, %s under H1%n", Console.pct(p.savingsH0()),
                        Console.pct(p.savingsH1()));
            }
        }

        private static String pm(double v, double se, int digits) {
            return String.format(java.util.Locale.ROOT, "%." + digits + "f ± %." + digits + "f", v, se);
        }

        private static String range(long v, long[] ci) {
            return String.format(java.util.Locale.ROOT, "%d [%d, %d]", v, ci[0], ci[1]);
        }
    }
}
