package dev.metaorch.reliability;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.metaorch.cli.CommandResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad task suites, price tables and command lines: exit 2, one line per problem naming the file
 * (or option) and the place, no stack trace, and nothing written under results/. (Bad configs:
 * {@code MalformedConfigTest}; bad plugin jars: {@code PluginJarTest}.)
 */
class BadInputTest {
    @TempDir
    Path tmp;

    static Stream<Path> fixtures(String dir) throws IOException {
        try (Stream<Path> s = Files.list(Path.of("src/test/resources/bad", dir))) {
            return s.sorted().toList().stream();
        }
    }

    static Stream<Path> taskSuites() throws IOException {
        return fixtures("tasks");
    }

    static Stream<Path> priceTables() throws IOException {
        return fixtures("prices");
    }

    static String[] expectation(Path fixture) throws IOException {
        String first = Files.readAllLines(fixture).get(0).substring("// expect:".length());
        return new String[] {first.split("\\|")[0].trim(), first.split("\\|")[1].trim()};
    }

    private Path configWith(String key, String value) throws IOException {
        Path c = tmp.resolve("cfg.json");
        Files.writeString(c, "{\"schema_version\":1,\"experiment_id\":\"bad\",\"parent\":\""
                + Path.of("configs/baseline.json").toAbsolutePath() + "\",\"" + key + "\":\"" + value + "\"}");
        return c;
    }

    private void assertNothingWritten(Path results) {
        assertThat(results.resolve("runs")).doesNotExist();
        assertThat(results.resolve("experiments.jsonl")).doesNotExist();
    }

    @ParameterizedTest
    @MethodSource("taskSuites")
    void badTaskSuite(Path fixture) throws IOException {
        String[] e = expectation(fixture);
        Path config = configWith("tasks", fixture.toAbsolutePath().toString());
        Path results = tmp.resolve("results");
        CommandResult r = CommandResult.run("run-experiment", "--control", config.toString(), "--test", config.toString(),
                "--results", results.toString(), "--quiet");
        assertThat(r).exitedWith(2).noStackTrace().errContains(fixture.getFileName().toString()).errContains(e[0])
                .errContains(e[1]);
        assertNothingWritten(results);
    }

    @ParameterizedTest
    @MethodSource("priceTables")
    void badPriceTable(Path fixture) throws IOException {
        String[] e = expectation(fixture);
        Path results = tmp.resolve("results");
        CommandResult r = CommandResult.run("run-experiment", "--control", "configs/baseline.json", "--test",
                "configs/exp_042.json", "--prices", fixture.toString(), "--results", results.toString(), "--quiet");
        assertThat(r).exitedWith(2).noStackTrace().errContains(e[0]).errContains(e[1]);
        assertThat(r.err()).contains(fixture.getFileName().toString());
        assertNothingWritten(results);
    }

    static Stream<Arguments> commandLines() {
        return Stream.of(
                Arguments.of(List.of("run-experiment", "--control", "configs/baseline.json", "--test", "configs/exp_042.json",
                        "--concurrency", "abc"), "--concurrency"),
                Arguments.of(List.of("run-experiment", "--control", "configs/baseline.json", "--test", "configs/exp_042.json",
                        "--max-sessions", "1"), "--max-sessions: must be >= 2"),
                Arguments.of(List.of("run-experiment", "--control", "configs/baseline.json", "--test", "configs/exp_042.json",
                        "--method", "bayes"), "--method: expected one of sprt, fixed, got 'bayes'"),
                Arguments.of(List.of("run-experiment", "--control", "configs/baseline.json", "--test", "configs/exp_042.json",
                        "--run-id", "../../x"), "--run-id: '../../x' is not a valid id"),
                Arguments.of(List.of("run-experiment", "--control", "configs/baseline.json", "--test", "configs/exp_042.json",
                        "--run-id", "/abs/path"), "is not a valid id"),
                Arguments.of(List.of("run-experiment", "--control", "configs/nope.json", "--test", "configs/exp_042.json"),
                        "configs/nope.json: file not found"),
                Arguments.of(List.of("run-experiment", "--control", "configs/baseline.json", "--test", "configs/exp_042.json",
                        "--set", "run.seed"), "expected KEY=VALUE"),
                Arguments.of(List.of("run", "--concurrency", "0"), "--concurrency: must be in 1..1024"),
                Arguments.of(List.of("run", "--allocation", "random"), "--allocation: expected one of uniform, thompson"),
                Arguments.of(List.of("run", "--config", "configs/nope.json"), "configs/nope.json: hub file not found"),
                Arguments.of(List.of("run", "--run-id", ".."), "is not a valid id"),
                Arguments.of(List.of("sprt", "test", "--wins", "3"), "needs --wins, --ties and --losses"),
                Arguments.of(List.of("sprt", "test", "--wins", "3", "--ties", "1", "--losses", "1", "--alpha", "1.5"),
                        "--alpha: must be in (0, 1)"),
                Arguments.of(List.of("sprt", "test", "--successes", "3", "--failures", "1", "--p0", "0.5", "--p1", "0.5"),
                        "--p0/--p1"),
                Arguments.of(List.of("sprt", "plan", "--design", "triangle"), "'triangle'"),
                Arguments.of(List.of("sprt", "plan", "--design", "bernoulli"), "needs --p0 and --p1"),
                Arguments.of(List.of("sprt", "plan", "--discordance", "0.01"), "sprt plan:"),
                Arguments.of(List.of("watch", "../x"), "not a valid id"),
                Arguments.of(List.of("experiments", "frobnicate"), "'frobnicate'"),
                Arguments.of(List.of("config", "validate"), "Missing required parameter"));
    }

    @ParameterizedTest
    @MethodSource("commandLines")
    void badCommandLine(List<String> args, String message) {
        Path results = tmp.resolve("results");
        List<String> all = new ArrayList<>(args);
        if (List.of("run-experiment", "run", "watch", "experiments").contains(args.get(0))) {
            all.addAll(List.of("--results", results.toString()));
        }
        CommandResult r = CommandResult.run(all.toArray(String[]::new));
        assertThat(r).exitedWith(2).noStackTrace().errContains(message);
        assertNothingWritten(results);
    }
}
