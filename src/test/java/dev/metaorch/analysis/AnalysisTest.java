package dev.metaorch.analysis;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.Json;
import dev.metaorch.session.Records;
import dev.metaorch.session.SessionRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnalysisTest {
    @TempDir
    Path results;

    static final String ERC3 = "src/test/resources/erc3/sessions_history.json";

    @Test
    void filterChainAppliesInOrderWithTheLastNSlice() {
        List<SessionRecord> records = IntStream.range(0, 30).mapToObj(i -> Records.record("r", i % 2 == 0 ? "a" : "b", i,
                i % 3 == 0)).toList();
        List<SessionRecord> out = new ArrayList<>();
        new FilterChain().add(SessionFilter.match("arm", "a")).add(SessionFilter.lastN(4)).apply(records, out::add);
        assertThat(out).extracting(SessionRecord::pair).containsExactly(22L, 24L, 26L, 28L);
        out.clear();
        new FilterChain().add(SessionFilter.lastN(4)).add(SessionFilter.match("arm", "a")).apply(records, out::add);
        assertThat(out).extracting(SessionRecord::pair).containsExactly(26L, 28L);
        out.clear();
        new FilterChain().add(SessionFilter.match("task.code", "code1")).add(SessionFilter.match("metrics.missing", "x"))
                .apply(records, out::add);
        assertThat(out).isEmpty();
        new FilterChain().add(SessionFilter.taskCode("code1")).add(SessionFilter.match("tokens.total", "1100"))
                .apply(records, out::add);
        assertThat(out).hasSize(10);
    }

    @Test
    void erc3ImportKeepsSelfReportApartFromTheGradeAndIsIdempotent() throws IOException {
        CommandResult first = CommandResult.run("import", "erc3", ERC3, "--results", results.toString(), "--json");
        assertThat(first).succeeded().errContains("no benchmark grade (SCORE)");
        JsonNode s = Json.mapper().readTree(first.out());
        // README of the data: 8 sessions, 57 task attempts, 33 graded
        assertThat(s.path("erc3_sessions").asInt()).isEqualTo(8);
        assertThat(s.path("task_attempts").asInt()).isEqualTo(57);
        assertThat(s.path("added").asInt()).isEqualTo(57);
        assertThat(s.path("graded").asInt()).isEqualTo(33);
        CommandResult again = CommandResult.run("import", "erc3", ERC3, "--results", results.toString(), "--json");
        assertThat(Json.mapper().readTree(again.out()).path("added").asInt()).isZero();
        List<JsonNode> records = new ArrayList<>();
        for (String line : Files.readAllLines(results.resolve("runs/erc3-sessions_history/sessions.jsonl"))) {
            records.add(Json.mapper().readTree(line));
        }
        assertThat(records).hasSize(57);
        // 31 self-reported completed, 26 failed (data README)
        assertThat(records.stream().filter(r -> r.at("/metrics/self_reported").asText().equals("completed"))).hasSize(31);
        assertThat(records.stream().filter(r -> r.path("external_score").isNumber())).hasSize(33);
        assertThat(records.stream().filter(r -> r.at("/metrics/success_source").asText().equals("self_report"))).hasSize(24);
        JsonNode first0 = records.get(0);
        assertThat(first0.at("/task/code").asText()).isEqualTo("pet_store_best_coupon");
        assertThat(first0.at("/task/instance").asText()).startsWith("tsk-");
        assertThat(first0.at("/metrics/error_messages/0").asText()).isEqualTo("page limit exceeded: 100 > 10");
        assertThat(first0.at("/metrics/tool_calls/Combo_Get_Product_Page_Limit").asInt()).isEqualTo(1);
        assertThat(first0.path("cost_usd").asDouble()).isPositive();
        assertThat(records.stream().filter(r -> r.at("/metrics/blocked_calls").asInt() > 0)).isNotEmpty();
        assertThat(Files.readString(results.resolve("hashes.dict"))).contains("CheckList_Before_TaskCompletion");
    }

    @Test
    void truncatedLogsWarnWithSessionAndLineAndNeverCrash() throws IOException {
        JsonNode data = Json.mapper().readTree(Files.readString(Path.of(ERC3)));
        var s = (com.fasterxml.jackson.databind.node.ObjectNode) data.get(4);
        String log = s.path("session_log").asText();
        s.put("session_log", log.substring(0, log.indexOf("COMPLETED:")));
        Path file = results.resolve("truncated.json");
        Files.writeString(file, Json.mapper().writeValueAsString(List.of(s, Json.object().put("oops", 1))));
        CommandResult r = CommandResult.run("import", "erc3", file.toString(), "--results", results.toString());
        assertThat(r).succeeded().errContains("truncated.json: /0 (ssn-").errContains("has no COMPLETED line")
                .errContains("log line ").errContains("/1: not an ERC3 session");
    }

    @Test
    void analyzeGroupsComparesAndExportsCsv() throws IOException {
        CommandResult.run("import", "erc3", ERC3, "--results", results.toString());
        Path csv = results.resolve("groups.csv");
        Path sessions = results.resolve("sessions.csv");
        CommandResult r = CommandResult.run("analyze", "--results", results.toString(), "--group-by", "task_code", "--json",
                "--csv", csv.toString(), "--csv-sessions", sessions.toString());
        assertThat(r).succeeded();
        JsonNode out = Json.mapper().readTree(r.out());
        assertThat(out.path("sessions").asInt()).isEqualTo(57);
        assertThat(out.path("groups").size()).isEqualTo(15);
        JsonNode soda = null;
        for (JsonNode g : out.path("groups")) {
            if (g.path("task_code").asText().equals("soda_pack_optimizer")) {
                soda = g;
            }
        }
        assertThat(soda).isNotNull();
        assertThat(soda.has("tool_error_rate")).isTrue();
        try (CSVParser p = CSVParser.parse(csv, java.nio.charset.StandardCharsets.UTF_8,
                CSVFormat.RFC4180.builder().setHeader().get())) {
            List<CSVRecord> rows = p.getRecords();
            assertThat(p.getHeaderNames()).contains("group", "task_code", "success_rate", "tool_error_rate");
            assertThat(rows).hasSize(15);
        }
        try (CSVParser p = CSVParser.parse(sessions, java.nio.charset.StandardCharsets.UTF_8,
                CSVFormat.RFC4180.builder().setHeader().get())) {
            assertThat(p.getRecords()).hasSize(57);
            assertThat(p.getHeaderNames()).startsWith("session_id", "run_id");
        }
        CommandResult cmp = CommandResult.run("analyze", "--results", results.toString(), "--group-by", "config",
                "--compare", "erc3-353b11be67e0,erc3-5bcca9ddd74a");
        assertThat(cmp).succeeded().outContains("erc3-353b11be67e0 vs erc3-5bcca9ddd74a").outContains("shared tasks");
    }

    @Test
    void paretoJsonHasTheContractShape() throws IOException {
        CommandResult.run("import", "erc3", ERC3, "--results", results.toString());
        CommandResult r = CommandResult.run("pareto", "--results", results.toString(), "--min-success", "0.8", "--json");
        assertThat(r).succeeded();
        JsonNode a = Json.mapper().readTree(r.out());
        JsonNode configs = Json.mapper().readTree(CommandResult.run("analyze", "--results", results.toString(), "--group-by",
                "config", "--json").out()).path("groups");
        assertThat(configs.size()).as("the ERC3 sample has several configs").isGreaterThan(1);
        assertThat(a.path("points")).as("one point per config").hasSize(configs.size());
        for (JsonNode p : a.path("points")) {
            for (String k : List.of("name", "cost", "successes", "sessions", "success_rate", "ci", "label", "front_probability")) {
                assertThat(p.has(k)).as(k).isTrue();
            }
        }
        assertThat(a.path("front").isArray()).isTrue();
        assertThat(a.at("/min_success/threshold").asDouble()).isEqualTo(0.8);
    }

    @Test
    void badAnalysisInputIsExitTwo() {
        assertThat(CommandResult.run("analyze", "nope", "--results", results.toString())).exitedWith(2)
                .errContains("RUN_ID nope: no session log");
        assertThat(CommandResult.run("analyze", "--group-by", "colour", "--results", results.toString())).exitedWith(2)
                .errContains("--group-by: expected one of config, config_hash");
        assertThat(CommandResult.run("analyze", "--where", "model", "--results", results.toString())).exitedWith(2)
                .errContains("expected FIELD=VALUE");
        assertThat(CommandResult.run("pareto", "--by", "colour", "--results", results.toString())).exitedWith(2);
        assertThat(CommandResult.run("import", "erc3", "missing.json", "--results", results.toString())).exitedWith(2)
                .errContains("missing.json: file not found");
        assertThat(CommandResult.run("import", "csv", ERC3, "--results", results.toString())).exitedWith(2)
                .errContains("'csv'").errContains("erc3");
    }
}
