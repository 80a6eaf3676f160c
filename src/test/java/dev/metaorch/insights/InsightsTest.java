package dev.metaorch.insights;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.analysis.ErrorPatterns;
import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On the insights demo (configs/insights.json: five configs whose guidelines vary one at a
 * time, 480 sessions each) the analyses recover the planted truth of configs/README.md.
 */
class InsightsTest {
    @TempDir
    static Path results;

    static JsonNode analysis;

    @BeforeAll
    static void runDemo() throws Exception {
        assertThat(CommandResult.run("run", "--config", "configs/insights.json", "--results", results.toString(),
                "--run-id", "demo", "--quiet")).succeeded();
        CommandResult r = CommandResult.run("analyze", "demo", "--results", results.toString(), "--clusters",
                "--guidelines", "--errors", "--anomalies", "--json");
        assertThat(r).succeeded();
        analysis = Json.mapper().readTree(r.out());
    }

    @Test
    void plantedTrivialAndChallengingTasksAreLabelledSo() {
        List<String> trivial = new ArrayList<>();
        List<String> challenging = new ArrayList<>();
        for (JsonNode t : analysis.at("/clusters/tasks")) {
            String label = t.path("label").asText();
            String code = t.path("code").asText();
            if (label.equals("trivial")) {
                trivial.add(code);
            }
            if (label.equals("challenging")) {
                challenging.add(code);
            }
            if (code.equals("quantum_checkout")) {
                assertThat(label).as(t.path("task").asText()).isEqualTo("challenging");
            }
        }
        assertThat(challenging).containsOnly("quantum_checkout").hasSize(4);
        // planted trivial codes (difficulty <= 0.05, success >= 0.93): at 10 sessions per cell most reach 0.9
        assertThat(trivial).containsOnly("list_products", "single_purchase").hasSizeGreaterThanOrEqualTo(5);
        assertThat(analysis.at("/clusters/counts/discriminative").asInt()).isPositive();
    }

    @Test
    void plantedHelpfulGuidelineRanksFirstAndTheUselessOneCoversZero() {
        JsonNode first = null;
        JsonNode useless = null;
        for (JsonNode g : analysis.at("/guidelines/guidelines")) {
            if (g.path("rank").asInt() == 1) {
                first = g;
            }
            if (g.path("text").asText().equals("Mention the store policy in every answer")) {
                useless = g;
            }
        }
        assertThat(first).isNotNull();
        // largest planted effect: +0.45 early rejection on 8 of 48 tasks = +0.075
        assertThat(first.path("text").asText()).isEqualTo("Reject impossible requests early");
        assertThat(first.at("/ci/0").asDouble()).isPositive();
        assertThat(useless).isNotNull();
        assertThat(useless.at("/ci/0").asDouble()).isNegative();
        assertThat(useless.at("/ci/1").asDouble()).isPositive();
    }

    @Test
    void plantedErrorPatternsClusterApart() {
        List<String> templates = new ArrayList<>();
        analysis.at("/errors/templates").forEach(t -> templates.add(t.path("template").asText()));
        assertThat(templates).containsExactlyInAnyOrder(
                "coupon <id> rejected: limit of <n> per customer exceeded",
                "sku <id> out of stock: requested <n>, available <n>",
                "product <str> required by coupon <id> not found",
                "page limit exceeded: <n> > <n>");
    }

    /** The demo is clean simulated data: at most 1% of its sessions flagged (raw-scale z flagged 124 of 2,400). */
    @Test
    void anomaliesFlagAtMostOnePercentOfTheCleanDemo() {
        assertThat(analysis.at("/anomalies/sessions").asInt()).isEqualTo(2400);
        assertThat(analysis.at("/anomalies/count").asInt()).isLessThanOrEqualTo(24);
        assertThat(analysis.at("/anomalies/listed").asInt() + analysis.at("/anomalies/not_listed").asInt())
                .isEqualTo(analysis.at("/anomalies/count").asInt());
    }

    @Test
    void erc3ToolErrorsBecomeTemplates() throws Exception {
        CommandResult.run("import", "erc3", "src/test/resources/erc3/sessions_history.json", "--results", results.toString());
        CommandResult r = CommandResult.run("analyze", "erc3-sessions_history", "--results", results.toString(), "--errors",
                "--json");
        JsonNode t = Json.mapper().readTree(r.out()).at("/errors/templates");
        List<String> templates = new ArrayList<>();
        t.forEach(x -> templates.add(x.path("kind").asText() + ": " + x.path("template").asText()));
        assertThat(templates).contains("error: page limit exceeded: <n> > <n>");
        assertThat(templates).anyMatch(s -> s.startsWith("blocked: "));
    }

    @Test
    void normalisationReplacesNumbersIdsQuotedStringsAndPaths() {
        assertThat(ErrorPatterns.normalise("page limit exceeded: 100 > 10")).isEqualTo("page limit exceeded: <n> > <n>");
        assertThat(ErrorPatterns.normalise("sku gpu-h100 missing in /var/lib/store.db for 'Dog Food'"))
                .isEqualTo("sku <id> missing in <path> for <str>");
        assertThat(ErrorPatterns.normalise("task tsk-42KQe3pN6bfDuKRuN1G2o6 failed 3 times"))
                .isEqualTo("task <id> failed <n> times");
    }

    @Test
    void discriminativeTasksRestrictAnAbRun() {
        CommandResult r = CommandResult.run("run-experiment", "--control", "configs/baseline.json", "--test",
                "configs/exp_042.json", "--results", results.toString(), "--tasks", "discriminative", "--quiet");
        assertThat(r).succeeded().errContains("tasks remain (labelled discriminative");
    }
}
