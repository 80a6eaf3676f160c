package dev.metaorch.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.Json;
import dev.metaorch.serve.Browser;
import dev.metaorch.serve.DashboardServer;
import dev.metaorch.serve.Fixtures;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.testing.TestPostgres;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * {@code metaorch serve --store} in headless Chromium: the page of a run that lives in the team
 * store (published, its coordinator's lock held) updates as its records land and shows the
 * decision once the run row is finished.
 */
class StoreDashboardBrowserTest {
    @TempDir
    Path results;
    @TempDir
    Path profile;

    @Test
    void aLiveStoreRunsPageUpdatesAsRecordsLandThenShowsTheDecision() throws Exception {
        Browser.require();
        Fixtures.decided(results, "a", "configs/exp_042.json", 42);
        Path folder = results.resolve("runs/a");
        List<String> lines = Files.readAllLines(folder.resolve("sessions.jsonl"));
        JsonNode result = Json.mapper().readTree(folder.resolve("result.json").toFile());
        try (TestPostgres.Fresh f = TestPostgres.freshStore("browser"); PgResults store = PgResults.open(f.url());
                DashboardServer server = DashboardServer.start(store, InetAddress.getLoopbackAddress(), 0, null);
                StoreCoordinator coordinator = new StoreCoordinator(new TeamOptions(f.url(), 0, Duration.ofSeconds(30)),
                        m -> { })) {
            // published as a coordinator publishes it (row and files, no record yet) and locked: live
            PgRuns runs = new PgRuns(f.store());
            try (Connection c = f.store().connection()) {
                runs.insertRun(c, "a", "run-experiment", "running", 42, 5_000_000_000L,
                        Json.mapper().readTree(folder.resolve("run.json").toFile()), Json.object());
                for (String file : List.of("run.json", "config.control.json", "config.test.json")) {
                    runs.putFile(c, "a", file, Files.readAllBytes(folder.resolve(file)));
                }
            }
            coordinator.lock("a");
            ChromeDriver browser = Browser.start(profile, 1280, 1500);
            try {
                WebDriverWait waiting = new WebDriverWait(browser, Duration.ofSeconds(30), Duration.ofMillis(100));
                land(f, lines.subList(0, 8));
                browser.get("http://127.0.0.1:" + server.port() + "/run/a");
                waiting.until(d -> text(d, "status").equals("running") && !text(d, "wtl").equals("0/0/0"));
                String wtl = text(browser, "wtl");
                land(f, lines.subList(8, lines.size() / 2));
                waiting.until(d -> !text(d, "wtl").equals(wtl));
                assertThat(text(browser, "rule-state")).startsWith("continue: LLR");
                assertThat(text(browser, "status-reason")).contains("lock in the store is held");
                Browser.screenshot(browser, "store-run-live");
                land(f, lines.subList(lines.size() / 2, lines.size()));
                runs.finish("a", "finished", result.path("decision").asText(), result.path("llr").asDouble(),
                        result.path("pairs").asLong(), result);
                waiting.until(d -> text(d, "status").equals("decided"));
                assertThat(text(browser, "decision")).startsWith(result.path("decision").asText() + " (");
                assertThat(text(browser, "wtl")).isEqualTo(result.path("wins").asLong() + "/" + result.path("ties").asLong()
                        + "/" + result.path("losses").asLong());
                assertThat(text(browser, "attempts")).startsWith(lines.size() + " / ");
                Browser.screenshot(browser, "store-run-decided");
                assertThat(Browser.consoleErrors(browser)).isEmpty();
            } finally {
                browser.quit();
            }
        }
    }

    private static String text(org.openqa.selenium.WebDriver d, String id) {
        return d.findElement(By.id(id)).getText();
    }

    /** Records landing as a worker writes them: one committed batch. */
    private static void land(TestPostgres.Fresh f, List<String> lines) throws Exception {
        List<SessionRecord> records = new ArrayList<>();
        for (String l : lines) {
            records.add(Json.mapper().readValue(l, SessionRecord.class));
        }
        try (Connection c = f.store().connection()) {
            new PgRuns(f.store()).insertRecords(c, records, lines);
        }
    }
}
