package dev.metaorch.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The streaming fast path reads exactly what Jackson's data binding reads, and hands every line
 * it is not sure about back to data binding.
 */
class FastRecordParserTest {
    static final ObjectReader BINDING = Json.mapper().readerFor(SessionRecord.class);

    static SessionRecord random(SplittableRandom rng, long i) {
        Outcome outcome = Outcome.values()[rng.nextInt(Outcome.values().length)];
        ObjectNode metrics = Json.object();
        if (rng.nextBoolean()) {
            metrics.put("tool_call_count", rng.nextInt(50)).put("tool_errors", rng.nextInt(5)).put("ratio", rng.nextDouble())
                    .put("label", "x\"y\\z\u00e9\u2603");
            metrics.putArray("list").add(1).add(2.5).addNull().addObject().put("deep", true);
        }
        boolean withTask = rng.nextInt(10) > 0;
        return new SessionRecord(1, "run/arm/" + i, "run", "exp_" + rng.nextInt(5), rng.nextBoolean() ? "control" : "test",
                rng.nextBoolean() ? null : Long.toHexString(rng.nextLong()), "simulated", "gpt-4o-mini",
                withTask ? new SessionRecord.TaskRef("t" + i % 7, rng.nextBoolean() ? null : "inst", "code" + i % 3,
                        rng.nextBoolean(), rng.nextInt(9)) : null,
                i, rng.nextInt(3), rng.nextLong(), 1 + rng.nextInt(3), "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z",
                rng.nextLong(1_000_000_000_000L), outcome, outcome == Outcome.SUCCESS,
                rng.nextBoolean() ? null : rng.nextDouble() * 100, rng.nextInt(10) == 0 ? null
                        : SessionRecord.Tokens.of(rng.nextInt(100_000), rng.nextInt(10_000), rng.nextInt(1000)),
                rng.nextInt(40), rng.nextDouble() / 7, "2026-11-01", rng.nextInt(30),
                rng.nextInt(5) == 0 ? null : List.of("b2d79d44d45eddab6f2526f0c2deb44b", "e" + i),
                outcome.isInfrastructure() ? new SessionRecord.ErrorInfo("agent_error", "exit 3: \"boom\"\n") : null,
                rng.nextInt(20) == 0 ? null : metrics);
    }

    @Test
    void readsWhatDataBindingReads() throws Exception {
        SplittableRandom rng = new SplittableRandom(17);
        int fast = 0;
        for (long i = 0; i < 5_000; i++) {
            SessionRecord r = random(rng, i);
            byte[] line = Json.line(r).getBytes(StandardCharsets.UTF_8);
            SessionRecord viaBinding = BINDING.readValue(line);
            SessionRecord viaFast = FastRecordParser.parse(line, 0, line.length);
            if (r.metrics() == null) {
                // a null metrics object is left to data binding
                assertThat(viaFast).isNull();
                continue;
            }
            assertThat(viaFast).as(new String(line, StandardCharsets.UTF_8)).isEqualTo(viaBinding);
            fast++;
        }
        assertThat(fast).isGreaterThan(4_000);
    }

    @Test
    void readsWithinABufferAtAnOffset() {
        byte[] line = Json.line(Records.record("r", "a", 3, true)).getBytes(StandardCharsets.UTF_8);
        byte[] padded = new byte[line.length + 20];
        System.arraycopy(line, 0, padded, 10, line.length);
        assertThat(FastRecordParser.parse(padded, 10, line.length)).isEqualTo(Records.record("r", "a", 3, true));
    }

    static Stream<String> unusualLines() {
        String ok = Json.line(Records.record("r", "a", 1, true));
        return Stream.of(ok.replace("\"arm\":\"a\"", "\"arm\":5"), // coerced by data binding
                ok.replace("\"schema\":1", "\"schema\":1.0"),
                ok.replace("\"success\":true", "\"success\":\"true\""),
                ok.replace("\"outcome\":\"success\"", "\"outcome\":\"bogus\""),
                ok.replace("\"outcome\":\"success\"", "\"outcome\":null"),
                ok.replace("\"steps\":3", "\"steps\":null"),
                ok.replace("\"pair\":1", "\"pair\":99999999999999999999"),
                ok.replace("\"metrics\":{}", "\"metrics\":null"),
                ok.replace("\"metrics\":{}", "\"metrics\":[]"),
                ok.replace("\"arm\":\"a\"", "\"arm\":\"a\",\"arm\":\"b\""), // duplicate key
                ok.replace("\"metrics\":{}", "\"metrics\":{\"a\":1,\"b\":{\"c\":2},\"a\":3}"), // duplicate in metrics
                ok.replace("\"total\":1100", "\"total\":1100,\"total\":1"), // duplicate in tokens
                ok.replace("\"arm\":\"a\"", "\"arm\":\"a\",\"extra\":[1,{\"x\":2}]"), // unknown key: ignored by data binding
                ok + " {}", // trailing tokens
                ok.substring(0, ok.length() - 1), // truncated
                "[" + ok + "]");
    }

    @ParameterizedTest
    @MethodSource("unusualLines")
    void leavesUnusualLinesToDataBinding(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        assertThat(FastRecordParser.parse(bytes, 0, bytes.length)).isNull();
    }

    @Test
    void theReaderGivesTheSameRecordsAndProblemsAsBefore() throws Exception {
        // the reader's output for unusual lines is data binding's: coerced, or reported as a problem
        // normal lines (read by one parser per block) mixed with unusual ones, blank lines, CRLF,
        // trailing blanks and comments, so the block parser must stop and start again
        List<String> unusual = unusualLines().toList();
        List<String> lines = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(5);
        for (int i = 0; i < 400; i++) {
            SessionRecord r = random(rng, i);
            String line = Json.line(r);
            lines.add(switch (i % 17) {
                case 3 -> unusual.get(i % unusual.size());
                case 5 -> "";
                case 7 -> line + " \r";
                case 9 -> "  " + line + " // a comment";
                case 11 -> line + line; // glued
                default -> line;
            });
        }
        lines.add(Json.line(Records.record("r", "a", 2, false)));
        java.nio.file.Path log = java.nio.file.Files.createTempFile("fast", ".jsonl");
        try {
            java.nio.file.Files.write(log, lines);
            List<SessionRecord> records = new ArrayList<>();
            List<LogProblem> problems = new ArrayList<>();
            SessionLogReader.read(log, records::add, problems::add);
            List<SessionRecord> expected = new ArrayList<>();
            int bad = 0;
            for (String l : lines) {
                if (l.isBlank()) {
                    continue;
                }
                try {
                    expected.add(BINDING.readValue(l));
                } catch (Exception e) {
                    int glue = l.indexOf("}{\"schema\"");
                    if (glue > 0) {
                        expected.add(BINDING.readValue(l.substring(0, glue + 1)));
                        expected.add(BINDING.readValue(l.substring(glue + 1)));
                    } else {
                        bad++;
                    }
                }
            }
            assertThat(records).hasSize(expected.size());
            for (int i = 0; i < expected.size(); i++) {
                assertThat(records.get(i)).as("record %d", i).isEqualTo(expected.get(i));
            }
            assertThat(problems.stream().filter(LogProblem::fatal)).hasSize(bad);
            assertThat(records).extracting(SessionRecord::arm).contains("5");
        } finally {
            java.nio.file.Files.deleteIfExists(log);
        }
    }
}
