package dev.metaorch.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metaorch.cli.CommandResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Keeps the README's worked examples true: every code block whose first line is
 * {@code $ metaorch ...} is run in-process and its stdout compared with the rest of the block.
 */
class ReadmeExamplesTest {
    record Example(String command, String expected) {
    }

    static List<Example> examples() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("README.md"));
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("```") && i + 1 < lines.size() && lines.get(i + 1).startsWith("$ metaorch ")) {
                String command = lines.get(i + 1).substring("$ metaorch ".length());
                StringBuilder expected = new StringBuilder();
                int j = i + 2;
                while (!lines.get(j).startsWith("```")) {
                    expected.append(lines.get(j)).append('\n');
                    j++;
                }
                out.add(new Example(command, expected.toString()));
                i = j;
            }
        }
        return out;
    }

    @Test
    void readmeExamplesPrintWhatTheReadmeSays() throws IOException {
        List<Example> examples = examples();
        assertThat(examples).hasSizeGreaterThanOrEqualTo(3);
        for (Example e : examples) {
            CommandResult r = CommandResult.run(e.command().split(" "));
            assertThat(r.exitCode()).as(e.command()).isZero();
            assertThat(r.out()).as(e.command()).isEqualTo(e.expected());
        }
    }

    /** "How metaorch decides": the worked example of the estimate after an early stop is what the code computes. */
    @Test
    void theEarlyStopEstimateExampleIsTrue() throws IOException {
        var rule = new dev.metaorch.stats.StoppingRule("gsprt", dev.metaorch.stats.Direction.BETTER, 0.05, 0.10, 0.15,
                0.38, 282);
        var counts = dev.metaorch.stats.PairCounts.ofTrinomial(10, 40, 30);
        assertThat(rule.evaluate(counts).decision()).isEqualTo(dev.metaorch.stats.Decision.ACCEPT_H1);
        var e = dev.metaorch.stats.SequentialEstimate.of(counts, rule, dev.metaorch.stats.Decision.ACCEPT_H1);
        String readme = Files.readString(Path.of("README.md"));
        assertThat(readme).contains(String.format(java.util.Locale.ROOT, "the plain estimate is %+.3f [%.3f, %.3f]",
                e.fixedEstimate(), e.fixedCiLow(), e.fixedCiHigh()));
        assertThat(readme).contains(String.format(java.util.Locale.ROOT, "**%+.3f [%.3f, %.3f]**", e.estimate(), e.ciLow(),
                e.ciHigh()));
    }
}
