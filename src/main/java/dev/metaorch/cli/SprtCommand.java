package dev.metaorch.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.stats.BernoulliSprt;
import dev.metaorch.stats.Direction;
import dev.metaorch.stats.PairCounts;
import dev.metaorch.stats.SprtBounds;
import dev.metaorch.stats.SprtPlan;
import dev.metaorch.stats.SprtPlanner;
import dev.metaorch.stats.StoppingRule;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code metaorch sprt test|plan}: the SPRT calculator and sample-size planner. */
@Command(name = "sprt", mixinStandardHelpOptions = true,
        description = "Sequential probability ratio tests: test counts, plan designs.",
        subcommands = {SprtCommand.Test.class, SprtCommand.Plan.class})
final class SprtCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class ErrorRates {
        @Option(names = "--alpha", defaultValue = "0.05", description = "Type I error (default ${DEFAULT-VALUE}).")
        double alpha;

        @Option(names = "--beta", defaultValue = "0.10", description = "Type II error (default ${DEFAULT-VALUE}).")
        double beta;

        void check() {
            if (!(alpha > 0 && alpha < 1)) {
                throw MetaorchException.invalidInput("--alpha: must be in (0, 1), got " + alpha);
            }
            if (!(beta > 0 && beta < 1)) {
                throw MetaorchException.invalidInput("--beta: must be in (0, 1), got " + beta);
            }
        }
    }

    @Command(name = "test", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Compute the LLR and decision for observed counts.",
            footerHeading = "%nExamples:%n",
            footer = {"  metaorch sprt test --wins 30 --ties 60 --losses 10",
                "  metaorch sprt test --successes 65 --failures 35 --p0 0.5 --p1 0.65 --json"})
    static final class Test implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--wins", description = "Pairs the test arm won.")
        Long wins;
        @Option(names = "--ties", description = "Pairs with the same result.")
        Long ties;
        @Option(names = "--losses", description = "Pairs the test arm lost.")
        Long losses;
        @Option(names = "--successes", description = "Successes (one-sample Bernoulli SPRT).")
        Long successes;
        @Option(names = "--failures", description = "Failures (one-sample Bernoulli SPRT).")
        Long failures;
        @Option(names = "--p0", description = "Success probability under H0 (Bernoulli).")
        Double p0;
        @Option(names = "--p1", description = "Success probability under H1 (Bernoulli).")
        Double p1;

        @Mixin
        ErrorRates rates = new ErrorRates();

        @Option(names = "--min-effect", defaultValue = "0.15",
                description = "Smallest difference in success rate worth detecting (default ${DEFAULT-VALUE}).")
        double minEffect;

        @Option(names = "--test", defaultValue = "gsprt", description = "gsprt (trinomial, default) or mcnemar.")
        String test;

        @Option(names = "--discordance", defaultValue = "0.3", description = "Assumed discordant share (mcnemar).")
        double discordance;

        @Option(names = "--direction", defaultValue = "better", description = "better, worse or both.")
        String direction;

        @Option(names = "--overshoot", description = {"Pull the bounds in by the expected overshoot (Siegmund's 0.583 x SD",
            "of one increment); exact tests only: bernoulli and mcnemar."})
        boolean overshoot;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            rates.check();
            Console console = new Console(spec);
            ObjectNode result = Json.object();
            boolean trinomial = wins != null || ties != null || losses != null;
            boolean single = successes != null || failures != null || p0 != null || p1 != null;
            if (trinomial == single) {
                throw MetaorchException.invalidInput("sprt test: give either --wins/--ties/--losses or "
                        + "--successes/--failures/--p0/--p1");
            }
            if (single) {
                if (successes == null || failures == null || p0 == null || p1 == null) {
                    throw MetaorchException.invalidInput("sprt test: the Bernoulli test needs --successes, --failures, --p0 and --p1");
                }
                Test s = this;
                if (s.successes < 0 || s.failures < 0) {
                    throw MetaorchException.invalidInput("--successes/--failures: counts must be >= 0");
                }
                BernoulliSprt t;
                try {
                    t = new BernoulliSprt(s.p0, s.p1, new SprtBounds(rates.alpha, rates.beta));
                } catch (IllegalArgumentException e) {
                    throw MetaorchException.invalidInput("--p0/--p1: " + e.getMessage());
                }
                double llr = t.llr(s.successes, s.failures);
                double[] b = {t.bounds().lower(), t.bounds().upper()};
                if (overshoot) {
                    // SD of one increment under the null: |ln(p1/p0) - ln(q1/q0)| * sqrt(p0 q0)
                    double sd = Math.abs(t.successIncrement() - t.failureIncrement()) * Math.sqrt(s.p0 * (1 - s.p0));
                    b = t.bounds().withOvershootCorrection(sd);
                }
                result.put("test", "bernoulli").put("p0", s.p0).put("p1", s.p1)
                        .put("successes", s.successes).put("failures", s.failures)
                        .put("llr", llr).put("lower", b[0]).put("upper", b[1])
                        .put("decision", llr >= b[1] ? "accept_h1" : llr <= b[0] ? "accept_h0" : "continue")
                        .put("overshoot_correction", overshoot);
            } else {
                if (wins == null || ties == null || losses == null) {
                    throw MetaorchException.invalidInput("sprt test: the paired test needs --wins, --ties and --losses");
                }
                Test p = this;
                if (p.wins < 0 || p.ties < 0 || p.losses < 0) {
                    throw MetaorchException.invalidInput("--wins/--ties/--losses: counts must be >= 0");
                }
                if (!(minEffect > 0 && minEffect < 1)) {
                    throw MetaorchException.invalidInput("--min-effect: must be in (0, 1), got " + minEffect);
                }
                if (!test.equals("gsprt") && !test.equals("mcnemar")) {
                    throw MetaorchException.invalidInput("--test: must be gsprt or mcnemar, got '" + test + "'");
                }
                Direction dir;
                try {
                    dir = Direction.parse(direction);
                } catch (IllegalArgumentException e) {
                    throw MetaorchException.invalidInput("--direction: must be better, worse or both, got '" + direction + "'");
                }
                if (overshoot && !test.equals("mcnemar")) {
                    throw MetaorchException.invalidInput("--overshoot: only for the exact tests (bernoulli, --test mcnemar); "
                            + "the GSPRT is used without it");
                }
                StoppingRule rule = new StoppingRule(test, dir, rates.alpha, rates.beta, minEffect, discordance, Long.MAX_VALUE);
                var ev = rule.evaluate(PairCounts.ofTrinomial(p.losses, p.ties, p.wins));
                if (overshoot) {
                    var m = new dev.metaorch.stats.McNemarSprt(minEffect, discordance, dir == Direction.WORSE, rule.bounds())
                            .asBernoulli();
                    double sd = Math.abs(m.successIncrement() - m.failureIncrement()) * 0.5;
                    double[] b = rule.bounds().withOvershootCorrection(sd);
                    var d = ev.llr() >= b[1] ? dev.metaorch.stats.Decision.ACCEPT_H1
                            : ev.llr() <= b[0] ? dev.metaorch.stats.Decision.ACCEPT_H0 : dev.metaorch.stats.Decision.CONTINUE;
                    ev = new StoppingRule.Evaluation(d, ev.llr(), b[0], b[1], ev.found(), ev.llrWorse());
                }
                result.put("test", test).put("direction", dir.label()).put("wins", p.wins).put("ties", p.ties)
                        .put("losses", p.losses).put("s0", 0.5).put("s1", 0.5 + minEffect / 2)
                        .put("llr", ev.llr()).put("lower", ev.lower()).put("upper", ev.upper())
                        .put("decision", ev.decision().label()).put("overshoot_correction", overshoot);
                if (ev.llrWorse() != null) {
                    result.put("llr_worse", ev.llrWorse());
                }
                if (ev.found() != null) {
                    result.put("found", ev.found().label());
                }
            }
            if (json) {
                console.json(result);
            } else {
                console.out().printf("LLR %.10f   bounds [%.10f, %.10f]   decision %s%n", result.get("llr").asDouble(),
                        result.get("lower").asDouble(), result.get("upper").asDouble(), result.get("decision").asText());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "plan", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Fixed-design n, an approximation of the test that is run (Brownian for the GSPRT",
                "designs, Wald for bernoulli), and a Monte Carlo of the sequential test (alpha, power, mean and",
                "90th/99th percentile sample size, inconclusive share, with standard errors) with the saving."},
            footerHeading = "%nExamples:%n",
            footer = {"  metaorch sprt plan --design paired --discordance 0.3 --min-effect 0.15",
                "  metaorch sprt plan --design unpaired --p-control 0.5 --min-effect 0.15 --json",
                "  metaorch sprt plan --design bernoulli --p0 0.5 --p1 0.65 --simulate 0"})
    static final class Plan implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--design", defaultValue = "paired", description = "paired (default), unpaired or bernoulli.")
        String design;

        @Option(names = "--p-control", defaultValue = "0.5", description = "Control success rate (unpaired).")
        double pControl;

        @Option(names = "--p0", description = "H0 success probability (bernoulli).")
        Double p0;

        @Option(names = "--p1", description = "H1 success probability (bernoulli).")
        Double p1;

        @Option(names = "--min-effect", defaultValue = "0.15", description = "Effect to detect (default ${DEFAULT-VALUE}).")
        double minEffect;

        @Option(names = "--discordance", defaultValue = "0.3", description = "Share of discordant pairs (paired).")
        double discordance;

        @Mixin
        ErrorRates rates = new ErrorRates();

        @Option(names = "--simulate", defaultValue = "20000", description = "Monte Carlo replications per hypothesis; 0 to skip.")
        int simulate;

        @Option(names = "--seed", defaultValue = "1", description = "Seed of the Monte Carlo.")
        long seed;

        @Option(names = "--threads", description = "Worker threads (default: all cores).")
        Integer threads;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            rates.check();
            if (simulate < 0) {
                throw MetaorchException.invalidInput("--simulate: must be >= 0, got " + simulate);
            }
            int nThreads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
            if (nThreads < 1) {
                throw MetaorchException.invalidInput("--threads: must be >= 1, got " + nThreads);
            }
            SprtPlanner planner = new SprtPlanner(nThreads);
            Console console = new Console(spec);
            AtomicLong done = new AtomicLong();
            long total = 2L * simulate;
            java.util.function.LongConsumer progress = k -> {
                long d = done.addAndGet(k);
                if (!json && total >= 50_000 && d % (total / 4) < k) {
                    console.info(String.format("simulating: %d/%d replications", d, total));
                }
            };
            SprtPlan plan;
            try {
                plan = switch (design) {
                    case "paired" -> planner.paired(rates.alpha, rates.beta, minEffect, discordance, simulate, seed, progress);
                    case "unpaired" -> planner.unpaired(rates.alpha, rates.beta, minEffect, pControl, simulate, seed, progress);
                    case "bernoulli" -> {
                        if (p0 == null || p1 == null) {
                            throw MetaorchException.invalidInput("--design bernoulli: needs --p0 and --p1");
                        }
                        yield planner.bernoulli(rates.alpha, rates.beta, p0, p1, simulate, seed, progress);
                    }
                    default -> throw MetaorchException.invalidInput("--design: must be paired, unpaired or bernoulli, got '" + design + "'");
                };
            } catch (IllegalArgumentException e) {
                throw MetaorchException.invalidInput("sprt plan: " + e.getMessage());
            }
            if (json) {
                console.json(plan);
                return ExitCodes.OK;
            }
            printTable(console, plan);
            return ExitCodes.OK;
        }

        private static void printTable(Console c, SprtPlan p) {
            var out = c.out();
            out.printf("design %s, alpha %.3f, beta %.3f, effect %.3f (n in %s)%n", p.design(), p.alpha(), p.beta(),
                    p.minEffect(), p.unit());
            if (p.discordance() != null) {
                out.printf("%s discordance %.3f (share of pairs whose two sessions differ, under H0)%n",
                        p.design().equals("paired") ? "assumed" : "implied", p.discordance());
            }
            out.printf("fixed design n          %d (%.2f)%n", p.fixedN(), p.fixedNRaw());
            out.printf("truncation cap          %d%n", p.cap());
            out.printf("%-24s %18s %18s%n", "", "under H0", "under H1");
            if (p.wald() != null) {
                out.printf("%-24s %18.2f %18.2f%n", "Wald ASN", p.wald().asnH0(), p.wald().asnH1());
            }
            var bm = p.brownian();
            if (bm != null) {
                out.printf("%-24s %18.1f %18.1f%n", "Brownian approx. mean n", bm.asnH0(), bm.asnH1());
                out.printf("%-24s %18.4f %18.4f%n", "Brownian P(accept H1)", bm.alpha(), bm.power());
                out.printf("Brownian approx. mean n at the midpoint effect %.3f (the longest case): %.1f%n",
                        p.minEffect() / 2, bm.asnMidpoint());
            }
            if (p.exact() != null) {
                out.printf("%-24s %18.2f %18.2f%n", "exact mean n", p.exact().asnH0(), p.exact().asnH1());
                out.printf("%-24s %18.4f %18.4f%n", "exact P(accept H1)", p.exact().alpha(), p.exact().power());
            }
            var s = p.simulated();
            if (s != null) {
                out.printf("%-24s %18s %18s%n", "simulated mean n", pm(s.asnH0(), s.asnH0Se(), 1), pm(s.asnH1(), s.asnH1Se(), 1));
                out.printf("%-24s %18s %18s%n", "simulated p90 n [95%]", range(s.p90H0(), s.p90H0Ci()),
                        range(s.p90H1(), s.p90H1Ci()));
                out.printf("%-24s %18d %18d%n", "simulated p99 n", s.p99H0(), s.p99H1());
                out.printf("%-24s %18s %18s%n", "P(accept H1)", pm(s.alpha(), s.alphaSe(), 4), pm(s.power(), s.powerSe(), 4));
                out.printf("%-24s %18s %18s%n", "inconclusive at the cap", pm(s.inconclusiveH0(), s.inconclusiveH0Se(), 4),
                        pm(s.inconclusiveH1(), s.inconclusiveH1Se(), 4));
                out.printf("(%d replications per hypothesis, seed %d, %.2f s; ± one Monte Carlo standard error)%n",
                        s.replications(), s.seed(), s.seconds());
            }
            if (p.savingsH0() != null) {
                out.printf("saving vs fixed design  %s under H0, %s under H1%n", Console.pct(p.savingsH0()),
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
