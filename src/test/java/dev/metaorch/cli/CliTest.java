package dev.metaorch.cli;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.Json;
import org.junit.jupiter.api.Test;

class CliTest {
    @Test
    void helpListsCommandsAndExitCodes() {
        CommandResult r = CommandResult.run("--help");
        assertThat(r).succeeded().outContains("run-experiment").outContains("config").outContains("sprt")
                .outContains("Exit codes:").outContains("bad usage or input");
    }

    @Test
    void versionIsTheProjectVersion() {
        // surefire passes the pom's ${project.version}
        String expected = System.getProperty("metaorch.expected.version");
        assertThat(expected).isNotBlank();
        CommandResult r = CommandResult.run("--version");
        assertThat(r).succeeded();
        assertThat(r.out().lines().findFirst()).hasValue("metaorch " + expected);
    }

    @Test
    void unknownOptionIsAUsageErrorWithExitTwo() {
        assertThat(CommandResult.run("config", "show", "--bogus", "x.json")).exitedWith(2).errContains("--bogus");
    }

    @Test
    void missingSubcommandIsAUsageError() {
        assertThat(CommandResult.run()).exitedWith(2).errContains("Missing subcommand");
    }

    @Test
    void configShowPrintsTheMergedConfigWithSources() {
        CommandResult r = CommandResult.run("config", "show", "configs/exp_042.json");
        assertThat(r).succeeded()
                .outContains("configs/exp_042.json -> configs/exp_041.json -> configs/baseline.json")
                .outContains("model_id").outContains("configs/baseline.json")
                .outContains("run.max_steps").outContains("(default)");
    }

    @Test
    void configShowJsonHasTheDocumentedPaths() throws Exception {
        CommandResult r = CommandResult.run("config", "show", "configs/exp_042.json", "--json");
        assertThat(r).succeeded();
        JsonNode n = Json.mapper().readTree(r.out());
        assertThat(n.at("/experiment_id").asText()).isEqualTo("exp_042");
        assertThat(n.at("/parent").asText()).isEqualTo("exp_041");
        assertThat(n.at("/stopping/alpha").asDouble()).isEqualTo(0.05);
        assertThat(n.at("/model_id").asText()).isEqualTo("gpt-4o-mini");
        assertThat(n.at("/guidelines").size()).isEqualTo(4);
        assertThat(n.at("/guideline_hashes/0").asText()).hasSize(32);
    }

    @Test
    void configShowAppliesOverridesLast() throws Exception {
        CommandResult r = CommandResult.run("config", "show", "configs/exp_042.json", "--set", "run.concurrency=16",
                "--set", "guidelines=[\"a\",\"b\"]", "--json");
        assertThat(r).succeeded();
        JsonNode n = Json.mapper().readTree(r.out());
        assertThat(n.at("/run/concurrency").asInt()).isEqualTo(16);
        assertThat(n.at("/guidelines").toString()).isEqualTo("[\"a\",\"b\"]");
    }

    @Test
    void validateAcceptsTheDemoConfigs() {
        assertThat(CommandResult.run("config", "validate", "configs/baseline.json", "configs/exp_041.json",
                "configs/exp_042.json")).succeeded().outContains("configs/exp_042.json: ok");
    }

    @Test
    void stacktraceOnlyWhenAsked() {
        CommandResult r = CommandResult.run("config", "show", "no/such/file.json");
        assertThat(r).exitedWith(2).errContains("no/such/file.json: file not found").noStackTrace();
    }
}
