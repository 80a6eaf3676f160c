package dev.metaorch.runner;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.Json;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubRankingTest {
    static SessionRecord session(String variant, long pair, String task, boolean success, double cost, long latencyMs,
            Outcome outcome) {
        return new SessionRecord(SessionRecord.SCHEMA, "r/" + variant + "/" + pair, "r", variant, variant, "h", "simulated",
                "m", new SessionRecord.TaskRef(task, task, task, true, 3), pair, 0, pair, 1, "2026-01-01T00:00:00Z",
                "2026-01-01T00:00:01Z", latencyMs, outcome, success, null, SessionRecord.Tokens.of(1000, 100, 0), 1, cost,
                "v1", 3, List.of(), null, Json.object());
    }

    /** Worked example: at the reference cost ($0.01) and latency (30 s) each utility is 0.5. */
    @Test
    void aSessionAtTheReferenceScalesScoresHalfOnCostAndLatency() {
        SessionRecord r = session("a", 0, "t", true, 0.01, 30_000, Outcome.SUCCESS);
        // 0.5 x 1 + 0.2 x 0.5 + 0.15 x 0.5 + 0.15 x 1 = 0.825
        assertThat(HubRanking.score(r, HubSpec.DEFAULT_WEIGHTS, HubRanking.Scales.DEFAULT)).isCloseTo(0.825, within(1e-15));
        SessionRecord escalated = session("a", 1, "t", false, 0.03, 10_000, Outcome.ESCALATED);
        // 0 + 0.2 x 0.25 + 0.15 x 0.75 + 0 = 0.1625
        assertThat(HubRanking.score(escalated, HubSpec.DEFAULT_WEIGHTS, HubRanking.Scales.DEFAULT))
                .isCloseTo(0.1625, within(1e-15));
    }

    /**
     * Removing any one variant leaves the order of the others unchanged, over 300 seeded random
     * hubs of five variants with different success, cost and latency (the min-max score this
     * replaced failed this: on configs/hub.json, dropping fast-flash swapped baseline and thorough-4o).
     */
    @Test
    void removingAVariantNeverReordersTheOthers() {
        SplittableRandom rnd = new SplittableRandom(18);
        for (int hub = 0; hub < 300; hub++) {
            Map<String, List<SessionRecord>> byVariant = new LinkedHashMap<>();
            for (int v = 0; v < 5; v++) {
                double p = rnd.nextDouble(0.2, 0.8);
                double cost = Math.exp(rnd.nextDouble(Math.log(0.001), Math.log(0.2)));
                double latency = rnd.nextDouble(2_000, 60_000);
                List<SessionRecord> s = new ArrayList<>();
                for (int k = 0; k < 20; k++) {
                    boolean ok = rnd.nextDouble() < p;
                    s.add(session("v" + v, k, "t" + k % 10, ok, cost * rnd.nextDouble(0.5, 1.5),
                            (long) (latency * rnd.nextDouble(0.5, 1.5)), ok ? Outcome.SUCCESS : Outcome.FAILURE));
                }
                byVariant.put("v" + v, s);
            }
            List<String> full = HubRanking.rank(byVariant, HubSpec.DEFAULT_WEIGHTS, HubRanking.Scales.DEFAULT);
            for (String drop : byVariant.keySet()) {
                Map<String, List<SessionRecord>> rest = new LinkedHashMap<>(byVariant);
                rest.remove(drop);
                List<String> expected = new ArrayList<>(full);
                expected.remove(drop);
                assertThat(HubRanking.rank(rest, HubSpec.DEFAULT_WEIGHTS, HubRanking.Scales.DEFAULT))
                        .as("hub %d without %s", hub, drop).isEqualTo(expected);
            }
        }
    }

    /**
     * Worked example, one pair per task: d = (1, 0, 0, 1, -1, 1), mean 1/3, sample variance 2/3,
     * SE = sqrt(2/3 / 6) = 1/3 (the paired t interval); t(5, 0.975) = 2.570581835636314 (R qt).
     */
    @Test
    void onePairPerTaskIsThePairedTInterval() {
        var p = HubRanking.clusteredMean(List.of("a", "b", "c", "d", "e", "f"), new double[] {1, 0, 0, 1, -1, 1});
        assertThat(p.difference()).isCloseTo(1.0 / 3, within(1e-15));
        assertThat(p.se()).isCloseTo(1.0 / 3, within(1e-15));
        assertThat(p.ci()[0]).isCloseTo(1.0 / 3 - 2.570581835636314 / 3, within(1e-12));
        assertThat(p.ci()[1]).isCloseTo(1.0 / 3 + 2.570581835636314 / 3, within(1e-12));
    }

    /**
     * Worked example, pairs clustered by task: t1 d = (1, 0), t2 (-1), t3 (1, 1), t4 (0). N = 6,
     * mean 1/3; task residual sums D_t - n_t mean = 1/3, -4/3, 4/3, -1/3, squares sum 34/9;
     * SE = sqrt(4/3 x 34/9) / 6 = 0.3740557384578547; t(3, 0.975) = 3.182446305284263 (R qt).
     */
    @Test
    void pairsOnTheSameTaskAreClustered() {
        var p = HubRanking.clusteredMean(List.of("t1", "t1", "t2", "t3", "t3", "t4"), new double[] {1, 0, -1, 1, 1, 0});
        assertThat(p.tasks()).isEqualTo(4);
        assertThat(p.se()).isCloseTo(0.3740557384578547, within(1e-15));
        assertThat(p.ci()[1]).isCloseTo(1.0 / 3 + 3.182446305284263 * 0.3740557384578547, within(1e-12));
    }

    @TempDir
    Path results;

    @Test
    void badReferenceScalesAreReportedWithTheirPlace() throws Exception {
        Path hub = results.resolve("hub.json");
        java.nio.file.Files.writeString(hub, "{\"variants\": [\"" + CommandResult.project("configs/baseline.json")
                + "\"], \"reference\": {\"cost_usd\": -1, \"latency\": 30}}");
        assertThat(CommandResult.run("run", "--config", hub.toString(), "--results", results.toString(), "--quiet"))
                .exitedWith(2).errContains("/reference/cost_usd: must be a number > 0")
                .errContains("/reference/latency: unknown reference scale (cost_usd, latency_s)");
        assertThat(HubSpec.load(Path.of("configs/hub.json")).scales()).isEqualTo(HubRanking.Scales.DEFAULT);
    }

    @Test
    void theTopTwoAreComparedOnTheScorePairedAndBanditIntervalsAreMarkedNotValid() throws Exception {
        CommandResult r = CommandResult.run("run", "--results", results.toString(), "--run-id", "u", "--quiet", "--json");
        assertThat(r).succeeded();
        JsonNode top = Json.mapper().readTree(r.out()).path("top_two");
        JsonNode variants = Json.mapper().readTree(r.out()).path("variants");
        assertThat(top.path("valid").asBoolean()).isTrue();
        assertThat(top.path("pairs").asInt()).isEqualTo(48);
        // every session is paired, so the paired mean difference is the difference of the ranked scores
        assertThat(top.path("score_difference").asDouble()).isCloseTo(variants.path(top.path("first").asText())
                .path("score").asDouble() - variants.path(top.path("second").asText()).path("score").asDouble(), within(1e-12));
        CommandResult b = CommandResult.run("run", "--results", results.toString(), "--run-id", "b", "--quiet",
                "--allocation", "thompson", "--max-cost", "30");
        assertThat(b).succeeded().outContains("not valid under thompson allocation");
    }
}
