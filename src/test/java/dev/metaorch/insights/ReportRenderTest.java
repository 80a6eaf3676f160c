package dev.metaorch.insights;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.metaorch.cli.CommandResult;
import dev.metaorch.testing.ChildProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML report renders in headless Chromium (Debian's chromium; .ci/run installs it): no
 * console errors, the charts are present, and a screenshot is saved to target/report.png.
 */
class ReportRenderTest {
    @TempDir
    Path results;

    static final String CHROMIUM = "/usr/bin/chromium";

    @Test
    void reportRendersInHeadlessChromium() throws Exception {
        assertThat(CommandResult.run("run-experiment", "--control", "configs/baseline.json", "--test", "configs/exp_042.json",
                "--results", results.toString(), "--quiet")).succeeded();
        assertThat(CommandResult.run("run", "--results", results.toString(), "--quiet")).succeeded();
        assertThat(CommandResult.run("simulate-bandit", "--runs", "50", "--horizon", "2000", "--save",
                results.resolve("bandit/latest.json").toString())).succeeded();
        Path html = results.resolve("report.html");
        CommandResult r = CommandResult.run("report", "--results", results.toString(), "--out", html.toString());
        assertThat(r).succeeded().outContains("beats baseline");
        String page = Files.readString(html);
        // self-contained: no scripts, and nothing fetched (namespace URIs in the SVGs are not fetches)
        assertThat(page).contains("<svg").doesNotContain("<script").doesNotContainPattern("(src|href)=\"https?://");
        assertThat(page.split("<svg", -1).length - 1).isGreaterThanOrEqualTo(4);

        assumeTrue(Files.isExecutable(Path.of(CHROMIUM)), "chromium not installed (.ci/run installs it)");
        Path screenshot = Path.of("target", "report.png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        List<String> base = List.of(CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + results.resolve("chromium-profile"), "--enable-logging=stderr", "--v=0",
                "--hide-scrollbars", "--window-size=1200,2400");
        String dom = run(base, "--dump-dom", html.toUri().toString());
        assertThat(dom).contains("<h1>metaorch report</h1>").contains("id=\"insights\"");
        assertThat(dom.split("<svg", -1).length - 1).isGreaterThanOrEqualTo(4);
        String log = run(base, "--screenshot=" + screenshot, html.toUri().toString());
        assertThat(log).doesNotContain("CONSOLE").doesNotContain("Uncaught");
        assertThat(Files.size(screenshot)).isGreaterThan(50_000);
    }

    private String run(List<String> base, String... extra) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(base);
        cmd.addAll(List.of(extra));
        ChildProcess.Result r = ChildProcess.run(new ProcessBuilder(cmd).redirectErrorStream(true), Duration.ofSeconds(90));
        return r.out();
    }
}
