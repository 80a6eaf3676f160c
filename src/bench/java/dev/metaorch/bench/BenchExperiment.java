package dev.metaorch.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.experiment.AbExperiment;
import dev.metaorch.experiment.ExperimentOptions;
import dev.metaorch.experiment.ExperimentStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code scripts/bench-experiment}: run-experiment over many seeds, for a true effect
 * (baseline vs exp_042, +0.15 planted) and for identical configs, reporting how often H1 is
 * accepted, the mean and 90th percentile of pairs, and the saving against the fixed design.
 * Usage: {@code BenchExperiment [seeds=200] [concurrency=4] [configDir=configs]}.
 */
public final class BenchExperiment {
    private BenchExperiment() {
    }

    public static void main(String[] args) throws Exception {
        int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        Path configs = Path.of(args.length > 2 ? args[2] : "configs");
        Path results = Files.createTempDirectory("bench-experiment");
        System.out.printf("run-experiment over %d seeds, concurrency %d (results in %s)%n", seeds, concurrency, results);
        for (String[] c : List.of(new String[] {"true effect +0.15", "baseline.json", "exp_042.json"},
                new String[] {"identical configs", "baseline.json", "baseline.json"})) {
            long start = System.nanoTime();
            int h1 = 0;
            int h0 = 0;
            int inconclusive = 0;
            long[] pairs = new long[seeds];
            long fixedN = 0;
            for (int seed = 1; seed <= seeds; seed++) {
                ExperimentOptions o = new ExperimentOptions(configs.resolve(c[1]), configs.resolve(c[2]), List.of(), null,
                        null, null, concurrency, (long) seed, c[0].startsWith("true") ? "t" + seed : "i" + seed, true,
                        results, null, null, 0, null, "success");
                var r = new AbExperiment(o, SILENT).run(null);
                switch (r.decision()) {
                    case "accept_h1" -> h1++;
                    case "accept_h0" -> h0++;
                    default -> inconclusive++;
                }
                pairs[seed - 1] = r.pairs();
                fixedN = r.fixedN();
            }
            java.util.Arrays.sort(pairs);
            double mean = java.util.Arrays.stream(pairs).average().orElse(0);
            System.out.printf("%-18s accept_h1 %5.1f%%  accept_h0 %5.1f%%  inconclusive %4.1f%%  pairs mean %.1f p90 %d"
                    + "  fixed n %d  saving %.1f%%  (%.1f s)%n", c[0], 100.0 * h1 / seeds, 100.0 * h0 / seeds,
                    100.0 * inconclusive / seeds, mean, pairs[(int) Math.ceil(0.9 * seeds) - 1], fixedN,
                    100 * (1 - mean / fixedN), (System.nanoTime() - start) / 1e9);
        }
    }

    private static final AbExperiment.Monitor SILENT = new AbExperiment.Monitor() {
        @Override
        public void status(ExperimentStatus status) {
        }

        @Override
        public void message(String text) {
        }
    };
}
