package dev.metaorch.config;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.metaorch.cli.CommandResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fixture in {@code bad/config/} starts with {@code // expect: <place> | <message part>}:
 * {@code config validate} must exit 2, name the file and the place, and print no stack trace.
 */
class MalformedConfigTest {
    static final Path DIR = Path.of("src/test/resources/bad/config");

    static Stream<Path> fixtures() throws IOException {
        return Files.list(DIR).filter(p -> {
            try {
                return Files.readString(p).startsWith("// expect:");
            } catch (IOException e) {
                return false;
            }
        }).sorted();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void eachMalformedConfigIsReportedWithFileAndPlace(Path fixture) throws IOException {
        String first = Files.readAllLines(fixture).get(0).substring("// expect:".length());
        String place = first.split("\\|")[0].trim();
        String message = first.split("\\|")[1].trim();
        CommandResult r = CommandResult.run("config", "validate", fixture.toString());
        assertThat(r).exitedWith(2).noStackTrace().errContains(place).errContains(message);
        assertThat(r.err()).contains(fixture.getFileName().toString());
        assertThat(r.out()).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void atLeastTwentyFixtures() throws IOException {
        assertThat(fixtures().count()).isGreaterThanOrEqualTo(20);
    }

    @org.junit.jupiter.api.Test
    void threeProblemsGiveThreeLinesEachNamingFileAndPointer() {
        CommandResult r = CommandResult.run("config", "validate", DIR.resolve("31_three_problems.json").toString());
        assertThat(r).exitedWith(2);
        assertThat(r.err().lines().toList()).hasSize(3).allSatisfy(l -> assertThat(l).startsWith(
                "src/test/resources/bad/config/31_three_problems.json: /"));
        assertThat(r.err()).contains("/run/concurrency: must be >= 1").contains("/stopping/alpha: must be < 1")
                .contains("/colour: unknown key");
    }
}
