package dev.metaorch.report;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.metaorch.cli.CommandResult;
import dev.metaorch.serve.Browser;
import dev.metaorch.serve.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The HTML report rendered in headless Chromium, over a folder that holds what made the old
 * report unreadable: an identical rerun, a second seed of the same comparison, a run without a
 * usable pair, a hub run with five configs, a bandit simulation and an imported ERC3 log.
 */
class ReportBrowserTest {
    /** A cell holding a JSON object or array as text. */
    static final Pattern RAW_JSON = Pattern.compile("^\\s*[\\[{].*[\":].*[\\]}]\\s*$", Pattern.DOTALL);

    @TempDir
    static Path results;
    @TempDir
    static Path profile;
    static ChromeDriver browser;
    static CommandResult all;

    @BeforeAll
    static void build() {
        assertThat(CommandResult.run("import", "erc3", "src/test/resources/erc3/sessions_history.json", "--results",
                results.toString())).succeeded();
        Fixtures.decided(results, "a", "configs/exp_042.json", 42);
        Fixtures.decided(results, "a2", "configs/exp_042.json", 42);
        Fixtures.decided(results, "c", "configs/exp_042.json", 7);
        Fixtures.decided(results, "b", "configs/exp_041.json", 42);
        Fixtures.decided(results, "broken", "configs/exp_042.json", 42, "--set", "params.error_rate=1.0", "--set",
                "run.retries=0", "--max-sessions", "8");
        assertThat(CommandResult.run("run", "--results", results.toString(), "--sessions", "100", "--quiet")).succeeded();
        assertThat(CommandResult.run("simulate-bandit", "--runs", "5", "--horizon", "200", "--save",
                results.resolve("bandit/latest.json").toString())).succeeded();
        all = CommandResult.run("report", "--all", "--results", results.toString(), "--out",
                results.resolve("report.html").toString());
        Browser.require();
        browser = Browser.start(profile, 1280, 6000);
    }

    /** Each test opens the page afresh (JUnit runs them in any order). */
    private static void open() {
        browser.get(results.resolve("report.html").toUri().toString());
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void scopeComesFirstAndMixingDataSetsWarns() {
        assertThat(all).succeeded().errContains("warning: the runs mix 2 data sets");
        assertThat(all.out().lines().findFirst().orElse("")).startsWith("scope: all 7 runs in");
        CommandResult mixed = CommandResult.run("report", "a", "erc3-sessions_history", "--results", results.toString(),
                "--out", results.resolve("mixed.html").toString());
        assertThat(mixed).exitedWith(2).errContains("pass --all");
        CommandResult dflt = CommandResult.run("pareto", "--results", results.toString());
        assertThat(dflt).succeeded();
        assertThat(dflt.out().lines().findFirst().orElse("")).startsWith("scope: the data set of the latest run hub-")
                .contains("simulated sessions on store-demo.json");
        CommandResult exp = CommandResult.run("report", "--experiment", "exp_041", "--results", results.toString(), "--out",
                results.resolve("exp_041.html").toString());
        assertThat(exp).succeeded();
        assertThat(exp.out().lines().findFirst().orElse("")).startsWith("scope: 1 run of experiment exp_041");
    }

    @Test
    void tableOfContentsLinksToEverySection() throws Exception {
        open();
        List<WebElement> links = browser.findElements(By.cssSelector("nav#toc a"));
        List<String> titles = links.stream().map(WebElement::getText).toList();
        assertThat(titles).contains("Insights", "Decisions", "Cost and success (Pareto front)", "Cost per session",
                "Guideline impact", "Failure patterns", "Task clusters");
        for (WebElement a : links) {
            String id = a.getAttribute("href").substring(a.getAttribute("href").indexOf('#') + 1);
            assertThat(browser.findElements(By.id(id))).as(id).hasSize(1);
        }
        assertThat(Browser.consoleErrors(browser)).isEmpty();
        Browser.screenshot(browser, "report");
        Browser.screenshot(browser.findElement(By.id("toc")), "report-toc");
        List<WebElement> plots = browser.findElements(By.cssSelector("svg.plot"));
        for (int i = 0; i < plots.size(); i++) {
            Browser.screenshot(plots.get(i), "report-plot-" + i);
        }
        Browser.screenshot(browser.findElement(By.cssSelector("table.errors")), "report-failure-patterns");
    }

    @Test
    void oneSectionPerDistinctComparisonAndNoClaimsFromRunsWithoutPairs() {
        open();
        List<String> h3 = browser.findElements(By.cssSelector("h3")).stream().map(WebElement::getText).toList();
        assertThat(h3).containsExactly("exp_042 vs baseline", "exp_041 vs baseline", "Runs without a usable pair");
        WebElement first = browser.findElements(By.cssSelector("h3 + table")).get(0);
        List<WebElement> rows = first.findElements(By.tagName("tr"));
        assertThat(rows).hasSize(3); // header, seed 42 (with its identical rerun), seed 7
        assertThat(rows.get(1).getText()).contains("a2");
        String page = browser.findElement(By.tagName("body")).getText();
        assertThat(page).doesNotContain("100% fewer").doesNotContain("after 0 pairs").doesNotContain("+100 points");
        assertThat(browser.findElements(By.cssSelector("svg.lines"))).hasSize(2);
        List<String> insights = browser.findElements(By.cssSelector("ul.insights li")).stream().map(WebElement::getText).toList();
        assertThat(insights).isNotEmpty().doesNotHaveDuplicates();
        assertThat(new HashSet<>(all.out().lines().filter(l -> l.startsWith("- ")).toList())).hasSize(insights.size());
    }

    @Test
    void noTableCellHoldsRawJson() {
        open();
        List<String> cells = new ArrayList<>();
        for (WebElement td : browser.findElements(By.cssSelector("td"))) {
            cells.add(td.getText());
        }
        assertThat(cells).hasSizeGreaterThan(100);
        assertThat(cells.stream().filter(c -> RAW_JSON.matcher(c).matches()).toList()).isEmpty();
        assertThat(browser.findElements(By.cssSelector("table.errors td ul li"))).isNotEmpty();
    }

    @Test
    void noSvgTextOverlapsAnother() {
        open();
        assertThat(Browser.textCount(browser, "svg.plot")).isGreaterThan(40);
        List<Object> o = Browser.overlaps(browser, "svg.plot");
        assertThat(o.get(0)).isEqualTo(4L); // two LLR charts, the Pareto scatter, the cost box plot
        assertThat(o.subList(1, o.size())).isEmpty();
    }

    @Test
    void crowdedPlotsKeepTheirLabelsApart() throws Exception {
        // sixteen configs crowded near the origin, and long names on the box plot
        List<SvgPlot.Point> pts = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<List<Double>> values = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            double cost = 0.0001 * (1 + i % 4) + (i == 15 ? 0.02 : 0);
            double success = 0.02 + 0.01 * (i / 4);
            pts.add(new SvgPlot.Point("config-number-" + i, cost, success, Math.max(0, success - 0.02), success + 0.03, i % 5 == 0));
            names.add("a-rather-long-config-name-" + i);
            values.add(List.of(0.001 * i, 0.002 * i + 0.001, 0.003 * i + 0.002));
        }
        Path page = results.resolve("crowded.html");
        Files.writeString(page, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>crowded</title></head><body>"
                + SvgPlot.scatter("crowded", "cost", "success", pts) + SvgPlot.boxes("long names", "USD", names, values)
                + "</body></html>");
        browser.get(page.toUri().toString());
        long placed = (Long) browser.executeScript("return document.querySelectorAll('svg.scatter text.lb').length;");
        assertThat(placed).as("labels placed").isGreaterThanOrEqualTo(12);
        List<Object> o = Browser.overlaps(browser, "svg.plot");
        assertThat(o.get(0)).isEqualTo(2L);
        assertThat(o.subList(1, o.size())).isEmpty();
        Browser.screenshot(browser, "crowded-plots");
    }
}
