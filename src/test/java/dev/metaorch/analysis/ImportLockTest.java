package dev.metaorch.analysis;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.cli.CommandResult;
import dev.metaorch.common.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An import holds its run like any run: concurrent imports of one file stay idempotent. */
class ImportLockTest {
    @TempDir
    Path results;

    private CommandResult importOnce() {
        return CommandResult.run("import", "erc3", AnalysisTest.ERC3, "--results", results.toString(), "--json");
    }

    @Test
    void twoImportsOfOneFileAtOnceAddEachRecordOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<CommandResult> done = new ArrayList<>();
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<CommandResult>> futures = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return importOnce();
                }));
            }
            start.countDown();
            for (Future<CommandResult> f : futures) {
                done.add(f.get(2, TimeUnit.MINUTES));
            }
        } finally {
            pool.shutdownNow();
        }
        List<Integer> added = new ArrayList<>();
        for (CommandResult r : done) {
            assertThat(r).succeeded();
            added.add(Json.mapper().readTree(r.out()).path("added").asInt());
        }
        // before the run lock both reported "57 new" and the log held 114 records
        assertThat(added).containsExactlyInAnyOrder(57, 0);
        List<String> ids = new ArrayList<>();
        for (String line : Files.readAllLines(results.resolve("runs/erc3-sessions_history/sessions.jsonl"))) {
            JsonNode r = Json.mapper().readTree(line);
            ids.add(r.path("session_id").asText());
        }
        assertThat(ids).hasSize(57);
        assertThat(new HashSet<>(ids)).hasSize(57);
    }
}
