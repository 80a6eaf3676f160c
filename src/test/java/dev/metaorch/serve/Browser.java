package dev.metaorch.serve;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's headless Chromium driven by Selenium through Debian's chromium-driver (.ci/run
 * installs both). Without them a test is skipped on a workstation, and fails under CI=true.
 */
public final class Browser {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private Browser() {
    }

    /** Skips (or, in CI, fails) when chromium or chromium-driver is missing. */
    public static void require() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER);
        if (!present && "true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("CI=true but " + CHROMIUM + " or " + DRIVER + " is missing: install chromium and chromium-driver "
                    + "(.ci/run does it as root)");
        }
        assumeTrue(present, "chromium or chromium-driver not installed (apt-get install chromium chromium-driver)");
    }

    /** A fresh browser with its own profile folder. */
    public static ChromeDriver start(Path profile, int width, int height) {
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toString());
        o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + profile.toAbsolutePath(),
                "--window-size=" + width + "," + height);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        o.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, o);
    }

    /** Console messages at level SEVERE since the last call (errors, failed loads). */
    public static List<String> consoleErrors(WebDriver d) {
        return d.manage().logs().get(LogType.BROWSER).getAll().stream().filter(e -> e.getLevel().intValue()
                >= Level.SEVERE.intValue()).map(LogEntry::getMessage).toList();
    }

    public static Path screenshot(ChromeDriver d, String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Path p = SCREENSHOTS.resolve(name + ".png");
        Files.write(p, d.getScreenshotAs(OutputType.BYTES));
        return p;
    }

    /** A screenshot of one element (the browser scrolls it into view). */
    public static Path screenshot(org.openqa.selenium.WebElement e, String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Path p = SCREENSHOTS.resolve(name + ".png");
        Files.write(p, e.getScreenshotAs(OutputType.BYTES));
        return p;
    }

    /**
     * Pairs of {@code <text>} elements whose rendered boxes overlap (by more than half a pixel
     * each way), in the SVGs matching {@code selector}, with the SVGs' count first.
     */
    @SuppressWarnings("unchecked")
    public static List<Object> overlaps(WebDriver d, String selector) {
        return (List<Object>) ((JavascriptExecutor) d).executeScript(
                "const out = [document.querySelectorAll(arguments[0]).length];"
                + "document.querySelectorAll(arguments[0]).forEach((svg, si) => {"
                + "  const b = [...svg.querySelectorAll('text')].map(t => ({t: t.textContent, r: t.getBoundingClientRect()}))"
                + "    .filter(x => x.r.width > 0 && x.r.height > 0);"
                + "  for (let i = 0; i < b.length; i++) for (let j = i + 1; j < b.length; j++) {"
                + "    const p = b[i].r, q = b[j].r;"
                + "    const ox = Math.min(p.right, q.right) - Math.max(p.left, q.left);"
                + "    const oy = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);"
                + "    if (ox > 0.5 && oy > 0.5) out.push('svg ' + si + ': \"' + b[i].t + '\" overlaps \"' + b[j].t + '\"');"
                + "  }"
                + "});"
                + "return out;", selector);
    }

    /** How many {@code <text>} elements the SVGs matching {@code selector} hold. */
    public static long textCount(WebDriver d, String selector) {
        return (Long) ((JavascriptExecutor) d).executeScript(
                "let n = 0; document.querySelectorAll(arguments[0]).forEach(s => n += s.querySelectorAll('text').length);"
                + " return n;", selector);
    }
}
