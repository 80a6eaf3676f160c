package dev.metaorch.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.session.SessionRecord;
import java.io.Closeable;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/** CSV files (Apache Commons CSV, RFC 4180, header row) of sessions and of aggregates. */
public final class CsvExport {
    static final String[] SESSION_HEADER = {"session_id", "run_id", "experiment_id", "arm", "config_hash", "variant",
        "model_id", "task_id", "task_instance", "task_code", "pair", "attempt", "started_at", "outcome", "success",
        "external_score", "prompt_tokens", "completion_tokens", "cached_prompt_tokens", "total_tokens", "llm_calls",
        "cost_usd", "steps", "latency_ms"};

    private CsvExport() {
    }

    /** A CSV writer of session rows; close it when done. */
    public static final class SessionWriter implements Closeable {
        private final CSVPrinter printer;

        SessionWriter(Writer w) throws IOException {
            this.printer = CSVFormat.RFC4180.builder().setHeader(SESSION_HEADER).get().print(w);
        }

        public void write(SessionRecord r) throws IOException {
            var t = r.task();
            var tok = r.tokens();
            printer.printRecord(r.sessionId(), r.runId(), r.experimentId(), r.arm(), r.configHash(), r.variant(),
                    r.modelId(), t == null ? "" : t.id(), t == null ? "" : t.instance(), t == null ? "" : t.code(), r.pair(),
                    r.attempt(), r.startedAt(), r.outcome().label(), r.success(),
                    r.externalScore() == null ? "" : r.externalScore(), tok == null ? 0 : tok.prompt(),
                    tok == null ? 0 : tok.completion(), tok == null ? 0 : tok.cachedPrompt(), tok == null ? 0 : tok.total(),
                    r.llmCalls(), r.costUsd(), r.steps(), r.latencyMs());
        }

        @Override
        public void close() throws IOException {
            printer.close(true);
        }
    }

    public static SessionWriter sessions(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        return new SessionWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8));
    }

    /** One row per group: the group key(s) then every aggregate column. */
    public static void aggregates(Aggregation agg, Path file) throws IOException {
        JsonNode groups = agg.toJson().path("groups");
        List<String> header = new ArrayList<>();
        header.add("group");
        agg.keys().stream().map(GroupKey::label).forEach(header::add);
        for (JsonNode g : groups) {
            g.fieldNames().forEachRemaining(f -> {
                if (!header.contains(f)) {
                    header.add(f);
                }
            });
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (CSVPrinter p = CSVFormat.RFC4180.builder().setHeader(header.toArray(String[]::new)).get()
                .print(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
            for (JsonNode g : groups) {
                List<Object> row = new ArrayList<>();
                for (String h : header) {
                    JsonNode v = g.get(h);
                    row.add(v == null || v.isNull() ? "" : v.isArray() ? v.toString() : v.asText());
                }
                p.printRecord(row);
            }
        }
    }
}
