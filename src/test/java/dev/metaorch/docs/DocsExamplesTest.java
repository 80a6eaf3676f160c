package dev.metaorch.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.agent.ProtocolCheck;
import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.Json;
import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.PriceTable;
import dev.metaorch.proxy.FakeOpenAi;
import dev.metaorch.proxy.TranscriptEntry;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every example of docs/: each fenced block is extracted and checked or run. The agent of
 * docs/protocol.md is written to a file as it is printed there and runs a full run-experiment
 * through the metering proxy against a fake upstream; its records, transcripts and files are
 * then checked against docs/session-record.md and docs/results-layout.md.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DocsExamplesTest {
    /** Cost of one call of the fake upstream (1200 prompt of which 200 cached, 50 completion) at
     * gpt-4o-mini's prices in configs/prices.json: (1000·0.15 + 200·0.075 + 50·0.60)/1e6, by hand. */
    static final BigDecimal CALL_COST = new BigDecimal("0.000195");

    record Block(String lang, String text) {
    }

    Path dir;
    FakeOpenAi upstream;
    CommandResult experiment;
    List<FakeOpenAi.Seen> experimentCalls;
    Path results;

    static List<Block> blocks(String file) throws IOException {
        List<String> lines = Files.readAllLines(Path.of(file));
        List<Block> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("```")) {
                String lang = lines.get(i).substring(3).strip();
                StringBuilder sb = new StringBuilder();
                int j = i + 1;
                while (!lines.get(j).startsWith("```")) {
                    sb.append(lines.get(j)).append('\n');
                    j++;
                }
                out.add(new Block(lang, sb.toString()));
                i = j;
            }
        }
        return out;
    }

    static List<JsonNode> json(String file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (Block b : blocks(file)) {
            if (b.lang().equals("json")) {
                out.add(Json.mapper().readTree(b.text()));
            }
        }
        return out;
    }

    private Path writeConfig(String name, String parent, ObjectNode params) throws IOException {
        ObjectNode c = Json.object();
        c.put("schema_version", 1).put("experiment_id", name).put("parent", parent);
        if (params != null) {
            c.put("variant", "process").set("params", params);
            c.putObject("run").put("timeout_s", 30).put("retries", 0);
        } else {
            c.putArray("guidelines").add("Check the task twice.");
        }
        Path f = dir.resolve(name + ".json");
        Files.writeString(f, Json.pretty(c));
        return f;
    }

    @BeforeAll
    void runTheDocumentedAgent(@TempDir Path tmp) throws IOException {
        dir = tmp;
        upstream = new FakeOpenAi();
        List<Block> python = blocks("docs/protocol.md").stream().filter(b -> b.lang().equals("python")).toList();
        assertThat(python).hasSize(1);
        Files.writeString(dir.resolve("agent.py"), python.get(0).text());
        ObjectNode params = Json.object();
        params.putArray("command").add("python3").add("agent.py");
        params.put("working_dir", ".").put("llm_upstream_url", upstream.baseUrl())
                .put("llm_upstream_key_env", "METAORCH_TEST_UPSTREAM_KEY").put("llm_record", true);
        writeConfig("doc-control", Path.of("configs/baseline.json").toAbsolutePath().toString(), params);
        writeConfig("doc-test", "doc-control.json", null);
        results = dir.resolve("results");
        experiment = CommandResult.run("run-experiment", "--control", dir.resolve("doc-control.json").toString(), "--test",
                dir.resolve("doc-test.json").toString(), "--max-sessions", "6", "--concurrency", "2", "--seed", "3",
                "--results", results.toString(), "--run-id", "doc-run", "--quiet");
        experimentCalls = List.copyOf(upstream.seen);
    }

    @AfterAll
    void stop() {
        upstream.close();
    }

    private List<SessionRecord> records() throws IOException {
        List<SessionRecord> out = new ArrayList<>();
        for (String line : Files.readAllLines(results.resolve("runs/doc-run/sessions.jsonl"))) {
            out.add(Json.mapper().readValue(line, SessionRecord.class));
        }
        return out;
    }

    @Test
    void theAgentWrittenFromTheProtocolPageRunsAFullExperimentMeteredByTheProxy() throws IOException {
        assertThat(experiment.exitCode()).as(experiment.err()).isZero();
        assertThat(experiment.out()).contains("decision");
        List<SessionRecord> records = records();
        assertThat(records).hasSize(6).allSatisfy(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(r.steps()).isEqualTo(1);
            assertThat(r.llmCalls()).isEqualTo(1);
            assertThat(r.tokens()).isEqualTo(SessionRecord.Tokens.of(1200, 50, 200));
            assertThat(BigDecimal.valueOf(r.costUsd())).isEqualByComparingTo(CALL_COST);
        });
        assertThat(experimentCalls).hasSize(6)
                .allSatisfy(s -> assertThat(s.authorization()).isEqualTo("Bearer " + System.getenv("METAORCH_TEST_UPSTREAM_KEY")));
    }

    @Test
    void protocolEventExamplesAreValidAndTheStartExampleHasTheFieldsMetaorchSends() throws IOException {
        List<JsonNode> examples = json("docs/protocol.md");
        assertThat(examples).hasSizeGreaterThanOrEqualTo(7);
        // what metaorch really sent: the first line of a real transcript's agent stdin is not kept, so
        // rebuild it from the record and the resolved config: compare the documented fields with the SPI's
        JsonNode start = examples.stream().filter(e -> "start".equals(e.path("type").asText())).findFirst().orElseThrow();
        assertThat(fieldNames(start)).containsExactlyInAnyOrder("type", "protocol", "session_id", "task", "config", "seed",
                "attempt", "limits");
        assertThat(fieldNames(start.get("task"))).containsExactlyInAnyOrder("id", "code", "text", "solvable",
                "optimal_steps", "difficulty");
        assertThat(fieldNames(start.get("limits"))).containsExactlyInAnyOrder("timeout_s", "max_steps", "max_cost_usd");
        int events = 0;
        for (JsonNode e : examples) {
            String type = e.path("type").asText(null);
            if (type == null) {
                // the config example: valid against the schema
                Path f = dir.resolve("example-config.json");
                Files.writeString(f, e.toString());
                assertThat(new ConfigLoader().load(f).variant()).isEqualTo("process");
            } else if (type.equals("cancel")) {
                assertThat(e.toString()).isEqualTo("{\"type\":\"cancel\"}");
            } else if (!type.equals("start")) {
                var entry = new TranscriptEntry(TranscriptEntry.Kind.AGENT, null, null, null, null, null, 1L, e, null, null,
                        null, null, null);
                assertThat(ProtocolCheck.check(List.of(entry), Outcome.SUCCESS, null)).as(e.toString())
                        .allSatisfy(p -> assertThat(p.message()).isEqualTo("no result line"));
                events++;
            }
        }
        assertThat(events).isGreaterThanOrEqualTo(5);
    }

    @Test
    void theStartMessageOfARealSessionHasExactlyTheDocumentedFields() throws IOException {
        // an agent that keeps its start line, run by metaorch try
        Path dump = dir.resolve("start.json");
        Files.writeString(dir.resolve("dump.py"), "import json, sys\nline = sys.stdin.readline()\nopen(" + Json.line(dump.toString())
                + ", 'w').write(line)\nprint(json.dumps({'type': 'result', 'success': True}))\n");
        ObjectNode params = Json.object();
        params.putArray("command").add("python3").add(dir.resolve("dump.py").toString());
        Path cfg = writeConfig("dump", Path.of("configs/baseline.json").toAbsolutePath().toString(), params);
        CommandResult r = CommandResult.run("try", cfg.toString(), "--results", dir.resolve("try-results").toString());
        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        JsonNode real = Json.mapper().readTree(dump.toFile());
        JsonNode doc = json("docs/protocol.md").stream().filter(e -> "start".equals(e.path("type").asText())).findFirst()
                .orElseThrow();
        assertThat(fieldNames(real)).isEqualTo(fieldNames(doc));
        assertThat(fieldNames(real.get("task"))).isEqualTo(fieldNames(doc.get("task")));
        assertThat(fieldNames(real.get("limits"))).isEqualTo(fieldNames(doc.get("limits")));
    }

    @Test
    void theSessionRecordExampleHasExactlyTheFieldsOfARealRecordAndItsCostIsItsTokensPriced() throws IOException {
        List<JsonNode> examples = json("docs/session-record.md");
        assertThat(examples).hasSize(1);
        JsonNode doc = examples.get(0);
        SessionRecord parsed = Json.mapper().treeToValue(doc, SessionRecord.class);
        JsonNode real = Json.mapper().readTree(Files.readAllLines(results.resolve("runs/doc-run/sessions.jsonl")).get(0));
        assertThat(fieldNames(doc)).isEqualTo(fieldNames(real)).isEqualTo(fieldNames(Json.tree(parsed)));
        assertThat(fieldNames(doc.get("task"))).isEqualTo(fieldNames(real.get("task")));
        assertThat(fieldNames(doc.get("tokens"))).isEqualTo(fieldNames(real.get("tokens")));
        var price = PriceTable.load(Path.of("configs/prices.json")).price(parsed.modelId()).orElseThrow();
        assertThat(parsed.costUsd()).isCloseTo(price.cost(parsed.tokens().prompt(), parsed.tokens().cachedPrompt(),
                parsed.tokens().completion()), org.assertj.core.data.Offset.offset(1e-15));
        assertThat(new BigDecimal(doc.path("metrics").path("llm_proxy").path("cost_usd").asText()))
                .isEqualByComparingTo(BigDecimal.valueOf(parsed.costUsd()));
    }

    @Test
    void everyPathOfTheLayoutThatAnExperimentWritesExists() throws IOException {
        List<Block> text = blocks("docs/results-layout.md").stream().filter(b -> b.lang().equals("text")).toList();
        assertThat(text).hasSize(1);
        // try and replay the first session, so their folders exist too
        String first = records().get(0).sessionId();
        CommandResult replay = CommandResult.run("try", "--replay", first, "--results", results.toString());
        assertThat(replay.exitCode()).as(replay.out() + replay.err()).isZero();
        assertThat(replay.out()).contains("transcript identical to the original");
        CommandResult tried = CommandResult.run("try", dir.resolve("doc-control.json").toString(), "--results", results.toString());
        assertThat(tried.exitCode()).as(tried.out() + tried.err()).isZero();
        int checked = 0;
        for (String line : text.get(0).text().split("\n")) {
            String pattern = line.split("\\s+")[0];
            if (pattern.equals("results/latest_run.json")) {
                continue; // written by metaorch run (the hub), not by an experiment
            }
            String glob = pattern.replaceFirst("^results/", "").replace("<run-id>", "*").replace("<arm>", "*")
                    .replace("<session>", "*").replace("<attempt>", "*").replace("<stamp>", "*");
            if (glob.endsWith("/")) {
                glob = glob.substring(0, glob.length() - 1);
            }
            var matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
            try (Stream<Path> s = Files.walk(results)) {
                assertThat(s.map(results::relativize).anyMatch(matcher::matches)).as(pattern).isTrue();
            }
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(12);
    }

    @Test
    void theDocsPointNowhereOutsideTheRepository() throws IOException {
        for (String f : List.of("README.md", "configs/README.md", "docs/protocol.md", "docs/session-record.md",
                "docs/results-layout.md")) {
            assertThat(Files.readString(Path.of(f))).as(f).doesNotContain("../shared").doesNotContain("DESIGN.md");
        }
    }

    static Set<String> fieldNames(JsonNode n) {
        Set<String> out = new TreeSet<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
            out.add(it.next());
        }
        return out;
    }
}
