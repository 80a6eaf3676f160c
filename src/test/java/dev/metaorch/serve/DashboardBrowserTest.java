package dev.metaorch.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * {@code metaorch serve} in headless Chromium over a fixture results folder with two finished
 * runs and a run in progress that this test feeds (appending to its sessions.jsonl) while a
 * child process holds its run.lock. Screenshots go to target/screenshots/.
 */
class DashboardBrowserTest {
    @TempDir
    static Path results;
    @TempDir
    static Path profile;
    static DashboardServer server;
    static ChromeDriver browser;
    static String base;

    @BeforeAll
    static void start() throws IOException {
        Browser.require();
        Fixtures.decided(results, "a", "configs/exp_042.json", 42);
        Fixtures.decided(results, "b", "configs/exp_041.json", 42);
        Path run = results.resolve("runs/a");
        Files.writeString(run.resolve("logs/a_test_0.a1.stderr.log"), "agent: loading tools\nagent: done\n");
        Files.createDirectories(run.resolve("transcripts"));
        // the layout and line kinds of proxy.Transcript (transcripts/<session>.a<attempt>.jsonl)
        Files.writeString(run.resolve("transcripts/a_test_0.a1.jsonl"), String.join("\n",
                "{\"kind\":\"start\",\"session_id\":\"a/test/0\",\"attempt\":1,\"model\":\"gpt-4o-mini\",\"proxy\":true}",
                "{\"kind\":\"llm\",\"call\":{\"model\":\"gpt-4o-mini\",\"prompt_tokens\":812,\"completion_tokens\":95}}",
                "{\"kind\":\"agent\",\"line\":2,\"event\":{\"type\":\"step\",\"n\":1,\"tool\":\"check_stock\",\"ok\":true}}",
                "{\"kind\":\"end\",\"end\":{\"outcome\":\"success\",\"success\":true,\"answer\":\"ordered 2 GPUs\"}}") + "\n");
        server = DashboardServer.start(results, InetAddress.getLoopbackAddress(), 0, null);
        base = "http://127.0.0.1:" + server.port();
        browser = Browser.start(profile, 1280, 1500);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    private static String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private static WebDriverWait waiting() {
        return new WebDriverWait(browser, Duration.ofSeconds(30), Duration.ofMillis(100));
    }

    @Test
    void liveRunUpdatesAsSessionsLandThenTurnsDeadWhenItsProcessIsKilled() throws Exception {
        List<String> lines = Fixtures.liveCopy(results, "a", "live");
        Process owner = Fixtures.holdLock(results, "live");
        try {
            Fixtures.append(results, "live", lines.subList(0, 8));
            browser.get(base + "/run/live");
            waiting().until(d -> text("status").equals("running") && !text("wtl").equals("0/0/0"));
            String wtl = text("wtl");
            String llr = text("llr");
            Browser.screenshot(browser, "run-live-early");
            // half the log: short of the deciding pair, so the rule is still undecided
            Fixtures.append(results, "live", lines.subList(8, lines.size() / 2));
            waiting().until(d -> !text("wtl").equals(wtl) && !text("llr").equals(llr));
            assertThat(text("rule-state")).startsWith("continue: LLR");
            assertThat(browser.findElements(By.cssSelector("#sessions table tr"))).hasSizeGreaterThan(10);
            assertThat(browser.findElement(By.id("resume")).isDisplayed()).isFalse();
            Browser.screenshot(browser, "run-live-later");
        } finally {
            Fixtures.kill(owner);
        }
        waiting().until(d -> text("status").equals("dead"));
        assertThat(browser.findElement(By.id("resume")).isDisplayed()).isTrue();
        assertThat(text("resume-cmd")).isEqualTo("metaorch run-experiment --resume live --results " + results);
        Browser.screenshot(browser, "run-dead");
        assertThat(Browser.consoleErrors(browser)).isEmpty();
    }

    @Test
    void withoutServerSentEventsThePagePollsWithEtags() throws Exception {
        List<String> lines = Fixtures.liveCopy(results, "a", "polled");
        Process owner = Fixtures.holdLock(results, "polled");
        try {
            Fixtures.append(results, "polled", lines.subList(0, 8));
            // a browser without EventSource: the page falls back to polling /api/run/ID
            var script = browser.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument",
                    Map.of("source", "delete window.EventSource;"));
            try {
                browser.get(base + "/run/polled");
                assertThat(browser.executeScript("return typeof window.EventSource")).isEqualTo("undefined");
                waiting().until(d -> text("status").equals("running") && !text("wtl").equals("0/0/0"));
                String wtl = text("wtl");
                Fixtures.append(results, "polled", lines.subList(8, lines.size() / 2));
                waiting().until(d -> !text("wtl").equals(wtl));
                Object polls = browser.executeScript("return performance.getEntriesByType('resource')"
                        + ".filter(e => e.name.endsWith('/api/run/polled')).length");
                assertThat((Long) polls).isGreaterThanOrEqualTo(2);
            } finally {
                browser.executeCdpCommand("Page.removeScriptToEvaluateOnNewDocument", Map.of("identifier", script.get("identifier")));
            }
        } finally {
            Fixtures.kill(owner);
        }
        assertThat(Browser.consoleErrors(browser)).isEmpty();
    }

    @Test
    void everyPageLoadsWithoutConsoleErrors() throws IOException {
        Map<String, String> pages = new TreeMap<>(Map.of("runs", "/", "runs-filtered", "/?experiment=exp_042",
                "run-decided", "/run/a", "compare", "/compare?a=a&b=b", "session", "/session?id="
                        + URLEncoder.encode("a/test/0", StandardCharsets.UTF_8),
                "pareto", "/pareto", "experiments", "/experiments", "insights", "/insights"));
        for (var p : pages.entrySet()) {
            browser.get(base + p.getValue());
            waiting().until(d -> d.findElement(By.tagName("h1")).isDisplayed());
            assertThat(browser.getTitle()).as(p.getKey()).endsWith("— metaorch").doesNotContain("Error");
            assertThat(Browser.consoleErrors(browser)).as(p.getKey()).isEmpty();
            Browser.screenshot(browser, "page-" + p.getKey());
        }
        browser.get(base + "/?experiment=exp_041");
        assertThat(browser.findElements(By.cssSelector("#runs tr"))).hasSize(2);
    }

    @Test
    void comparePageListsTheTasksThatFlipped() throws IOException {
        browser.get(base + "/compare?a=a&b=b");
        Set<String> shown = browser.findElements(By.cssSelector("#flipped tr")).stream().skip(1)
                .map(r -> r.findElements(By.tagName("td"))).map(c -> c.get(0).getText() + " " + c.get(1).getText())
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> expected = flips("a", "b");
        assertThat(expected).isNotEmpty();
        assertThat(shown).isEqualTo(expected);
        assertThat(browser.findElement(By.id("config-diff")).getText()).contains("/experiment_id").contains("exp_041");
        assertThat(browser.findElement(By.id("decisions")).getText()).contains("accept_h1");
    }

    /** Independently of the dashboard: arm + task whose strict-majority result differs between the runs' final attempts. */
    private static Set<String> flips(String a, String b) throws IOException {
        Map<String, long[]> ra = perTask(a);
        Map<String, long[]> rb = perTask(b);
        Set<String> out = new TreeSet<>();
        ra.forEach((k, x) -> {
            long[] y = rb.get(k);
            long ma = Long.signum(2 * x[0] - x[1]);
            long mb = y == null ? 0 : Long.signum(2 * y[0] - y[1]);
            if (ma != 0 && mb != 0 && ma != mb) {
                out.add(k);
            }
        });
        return out;
    }

    private static Map<String, long[]> perTask(String run) throws IOException {
        Map<String, JsonNode> last = new HashMap<>();
        for (String line : Files.readAllLines(results.resolve("runs").resolve(run).resolve("sessions.jsonl"))) {
            JsonNode n = Json.mapper().readTree(line);
            last.merge(n.path("session_id").asText(), n, (x, y) -> y.path("attempt").asInt() >= x.path("attempt").asInt() ? y : x);
        }
        Map<String, long[]> out = new HashMap<>();
        for (JsonNode n : last.values()) {
            if (List.of("error", "timeout", "cancelled").contains(n.path("outcome").asText())) {
                continue;
            }
            long[] c = out.computeIfAbsent(n.path("arm").asText() + " " + n.at("/task/id").asText(), k -> new long[2]);
            c[0] += n.path("success").asBoolean() ? 1 : 0;
            c[1]++;
        }
        return out;
    }

    @Test
    void sessionPageShowsItsRecordsStderrAndTranscript() throws IOException {
        browser.get(base + "/session?id=" + URLEncoder.encode("a/test/0", StandardCharsets.UTF_8));
        List<WebElement> records = browser.findElements(By.cssSelector("table.record"));
        assertThat(records).isNotEmpty();
        assertThat(records.get(0).getText()).contains("session_id a/test/0").contains("cost_usd").contains("outcome");
        assertThat(browser.findElement(By.cssSelector("pre.stderr")).getText()).contains("agent: loading tools");
        String transcript = browser.findElement(By.cssSelector("table.transcript")).getText();
        assertThat(transcript).contains("llm").contains("call/prompt_tokens 812").contains("agent: step")
                .contains("check_stock").contains("end/answer ordered 2 GPUs");
        Browser.screenshot(browser, "page-session-transcript");
    }

    @Test
    void paretoLabelsDoNotOverlap() {
        browser.get(base + "/pareto");
        assertThat(Browser.textCount(browser, "svg.plot")).isGreaterThan(10);
        List<Object> o = Browser.overlaps(browser, "svg.plot");
        assertThat(o.get(0)).isEqualTo(1L);
        assertThat(o.subList(1, o.size())).isEmpty();
    }
}
