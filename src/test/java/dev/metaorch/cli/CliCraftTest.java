package dev.metaorch.cli;

import static dev.metaorch.cli.CommandAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The command line a picocli user expects (issue 17): help, parse errors, locale, bad numbers. */
class CliCraftTest {
    @TempDir
    Path tmp;

    /** The command model, built once and only read (building it takes about 100 ms). */
    private static final CommandLine MODEL = CommandFactory.create(new PrintWriter(new StringWriter()),
            new PrintWriter(new StringWriter()));

    /** Every command's qualified argument list, e.g. ["sprt", "test"], the root as []. */
    static List<List<String>> commands() {
        List<List<String>> all = new ArrayList<>();
        collect(MODEL, new ArrayList<>(), all);
        return all;
    }

    private static void collect(CommandLine cl, List<String> path, List<List<String>> all) {
        all.add(List.copyOf(path));
        cl.getSubcommands().forEach((name, sub) -> {
            if (sub.getCommandName().equals(name)) {
                List<String> p = new ArrayList<>(path);
                p.add(name);
                collect(sub, p, all);
            }
        });
    }

    static Stream<Arguments> helpAtWidths() {
        return commands().stream().flatMap(c -> Stream.of(Arguments.of(c, 80), Arguments.of(c, 120)));
    }

    private static CommandSpec spec(List<String> path) {
        CommandLine cl = MODEL;
        for (String p : path) {
            cl = cl.getSubcommands().get(p);
        }
        return cl.getCommandSpec();
    }

    @ParameterizedTest(name = "{0} at {1} columns")
    @MethodSource("helpAtWidths")
    void helpFitsTheWidthAndKeepsExamplesWhole(List<String> path, int width) {
        List<String> args = new ArrayList<>(path);
        args.add("--help");
        CommandResult r = CommandResult.runWithWidth(width, args.toArray(String[]::new));
        assertThat(r).succeeded();
        List<String> lines = r.out().lines().toList();
        List<String> examples = new ArrayList<>();
        for (String f : spec(path).usageMessage().footer()) {
            if (f.startsWith(CommandFactory.EXAMPLE_PREFIX)) {
                examples.add(f);
            }
        }
        for (String e : examples) {
            assertThat(lines).as("example printed whole on one line").contains(e);
        }
        for (String line : lines) {
            if (!examples.contains(line)) {
                assertThat(line.length()).as("line within %d columns: %s", width, line).isLessThanOrEqualTo(width);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {80, 120})
    void commandListShowsWholeSentences(int width) {
        CommandResult r = CommandResult.runWithWidth(width, "--help");
        String flat = r.out().replaceAll("\\s+", " ");
        for (List<String> c : commands()) {
            if (c.size() == 1 && !spec(c).usageMessage().hidden()) {
                var usage = spec(c).usageMessage();
                String[] summary = usage.header().length > 0 ? usage.header() : usage.description();
                String first = summary[0].replaceAll("\\s+", " ").strip();
                assertThat(first).as("%s: the first description line is a sentence", c).endsWith(".");
                assertThat(flat).as("%s is listed with its whole first sentence", c).contains(first);
            }
        }
    }

    @Test
    void everyOptionShowsItsDefault() {
        List<String> missing = new ArrayList<>();
        for (List<String> c : commands()) {
            CommandSpec spec = spec(c);
            for (OptionSpec o : spec.options()) {
                boolean flag = o.type() == boolean.class || o.type() == Boolean.class;
                if (o.usageHelp() || o.versionHelp() || o.hidden() || flag) {
                    continue;
                }
                // a default value is shown by picocli ("Default: x"); an option whose default comes from
                // elsewhere (the config, the hub file) hides picocli's and says where it comes from
                String description = String.join(" ", o.description());
                boolean hidden = o.showDefaultValue() == CommandLine.Help.Visibility.NEVER;
                if (hidden && !description.contains("default")) {
                    missing.add(c + " " + o.longestName());
                }
            }
        }
        assertThat(missing).as("options whose --help shows no default").isEmpty();
        // the options the review found without a default in --help
        assertThat(flatHelp("run-experiment")).contains("--concurrency=N Sessions at once (default: run.")
                .contains("--max-sessions=N Cap on sessions, both arms together (default: run.");
        assertThat(flatHelp("run")).contains("config, 8 for the hub)");
        assertThat(flatHelp("sprt", "plan")).contains("0 to skip. Default: 20000").contains("McNemar test). Default: 0.3");
        assertThat(flatHelp("sprt", "test")).contains("McNemar test). Default: 0.3");
        assertThat(flatHelp("pareto")).contains("front probability. Default: 2000");
    }

    @Test
    void closedSetsListTheirCandidates() {
        assertThat(flatHelp("sprt", "plan")).contains("paired, unpaired, bernoulli");
        assertThat(flatHelp("simulate-bandit")).contains("eps-greedy, ucb1, kl-ucb, thompson");
        assertThat(flatHelp("run")).contains("uniform, thompson, ucb1, kl-ucb");
        assertThat(flatHelp("analyze")).contains("config, config_hash, model");
    }

    private static String flatHelp(String... command) {
        List<String> args = new ArrayList<>(List.of(command));
        args.add("--help");
        CommandResult r = CommandResult.run(args.toArray(String[]::new));
        assertThat(r).succeeded();
        return r.out().replaceAll("\\s+", " ");
    }

    @Test
    void helpSubcommandAndCompletion() {
        assertThat(CommandResult.run("help", "sprt")).succeeded().outContains("Usage: metaorch sprt");
        CommandResult c = CommandResult.run("generate-completion");
        assertThat(c).succeeded().outContains("complete -F").outContains("run-experiment").outContains("kl-ucb");
        assertThat(CommandResult.run("--help")).outContains("generate-completion").outContains("help ");
    }

    static Stream<Arguments> parseErrors() {
        return Stream.of(
                Arguments.of(List.of("sprt", "test", "--wins", "abc"), "'abc'", "metaorch sprt test"),
                Arguments.of(List.of("run-experiment", "--test", "configs/exp_042.json"), "--control",
                        "metaorch run-experiment"),
                Arguments.of(List.of("config", "show", "--bogus", "x.json"), "--bogus", "metaorch config show"),
                Arguments.of(List.of("sprt", "plan", "--design", "triangle"), "paired, unpaired, bernoulli", "metaorch sprt plan"),
                Arguments.of(List.of("frobnicate"), "'frobnicate'", "metaorch"));
    }

    @ParameterizedTest
    @MethodSource("parseErrors")
    void parseErrorIsOneLineAndOneHint(List<String> args, String problem, String command) {
        CommandResult r = CommandResult.run(args.toArray(String[]::new));
        assertThat(r).exitedWith(2).errLines(2).errContains(problem).errContains("see '" + command + " --help'")
                .errDoesNotContain("Usage:");
    }

    @Test
    void numbersIgnoreTheDefaultLocale() throws IOException {
        Locale before = Locale.getDefault();
        Locale.setDefault(Locale.GERMAN);
        try {
            assertThat(CommandResult.run("sprt", "test", "--wins", "30", "--ties", "60", "--losses", "10")).succeeded()
                    .outContains("LLR 4.8881161933   bounds [-2.2512917986, 2.8903717579]");
            assertThat(CommandResult.run("sprt", "plan", "--simulate", "0")).succeeded()
                    .outContains("alpha 0.050, beta 0.100, effect 0.150");
            CommandResult bandit = CommandResult.run("simulate-bandit", "--runs", "4", "--horizon", "200", "--policies",
                    "ucb1", "--save", tmp.resolve("b.json").toString());
            assertThat(bandit).succeeded().outContains("Lai-Robbins: C = ");
            assertThat(bandit.out()).doesNotContainPattern("C = \\d+,\\d");
            Path results = tracker();
            CommandResult show = CommandResult.run("experiments", "show", "exp_042", "--results", results.toString());
            assertThat(show).succeeded().outContains("0.5000").outContains("+0.150");
        } finally {
            Locale.setDefault(before);
        }
    }

    /** A tracker with two decided runs of one hypothesis, a broken run, and a parent chain. */
    private Path tracker() throws IOException {
        Path results = tmp.resolve("results");
        Files.createDirectories(results);
        String h = "\"hypothesis\":{\"id\":\"h1\",\"description\":\"Early stop\",\"metric\":\"success\","
                + "\"expected_improvement\":0.15}";
        Files.writeString(results.resolve("experiments.jsonl"), String.join("\n",
                "{\"run_id\":\"a\",\"experiment_id\":\"exp_041\",\"parent\":\"baseline\",\"status\":\"rejected\","
                        + "\"sessions\":100,\"spend_usd\":0.25,\"started_at\":\"2026-11-01T00:00:00Z\",\"decision\":\"accept_h0\","
                        + "\"pairs\":50,\"fixed_n\":141,\"savings\":0.645}",
                "{\"run_id\":\"b\",\"experiment_id\":\"exp_042\",\"parent\":\"exp_041\",\"status\":\"accepted\","
                        + "\"sessions\":88,\"attempts\":90,\"spend_usd\":0.5,\"started_at\":\"2026-11-02T00:00:00Z\"," + h
                        + ",\"decision\":\"accept_h1\",\"pairs\":44,\"fixed_n\":141,\"savings\":0.688}",
                "{\"run_id\":\"c\",\"experiment_id\":\"exp_042\",\"parent\":\"exp_041\",\"status\":\"accepted\","
                        + "\"sessions\":100,\"spend_usd\":0.5,\"started_at\":\"2026-11-03T00:00:00Z\"," + h
                        + ",\"decision\":\"accept_h1\",\"pairs\":50,\"fixed_n\":141,\"savings\":0.645}",
                "{\"run_id\":\"d\",\"experiment_id\":\"exp_042\",\"parent\":\"exp_041\",\"status\":\"failed\","
                        + "\"sessions\":0,\"spend_usd\":0.0,\"started_at\":\"2026-11-04T00:00:00Z\"," + h
                        + ",\"pairs\":0,\"fixed_n\":141}") + "\n");
        return results;
    }

    @Test
    void experimentsShowIsReadableAndJsonIsOneDocument() throws IOException {
        Path results = tracker();
        CommandResult show = CommandResult.run("experiments", "show", "exp_042", "--results", results.toString());
        assertThat(show).succeeded().outContains("lineage     exp_042 <- exp_041 <- baseline")
                .outContains("hypothesis  h1: Early stop");
        assertThat(show.out()).doesNotContain("{");
        CommandResult json = CommandResult.run("experiments", "show", "exp_042", "--results", results.toString(), "--json");
        assertThat(json).succeeded();
        JsonNode n = Json.mapper().readTree(json.out());
        assertThat(n.path("runs").size()).isEqualTo(3);
        assertThat(n.path("lineage").toString()).isEqualTo("[\"exp_042\",\"exp_041\",\"baseline\"]");
        // one document: the parser consumed the whole output (FAIL_ON_TRAILING_TOKENS is on)
        assertThat(n.path("runs").get(0).path("run_id").asText()).isEqualTo("b");
    }

    @Test
    void velocityCountsAHypothesisOnceAndNoSavingForBrokenRuns() throws IOException {
        Path results = tracker();
        CommandResult list = CommandResult.run("experiments", "--results", results.toString(), "--json");
        assertThat(list).succeeded();
        JsonNode k = Json.mapper().readTree(list.out()).path("kpis");
        // decided: a (its experiment id), b and c (hypothesis h1, once); d is broken
        assertThat(k.path("hypotheses_decided").asInt()).isEqualTo(2);
        // saved: a and c (lines without attempts) 2*(141-50) = 182 each; b 2*141 - 90 attempts = 192;
        // d (no sessions) saves nothing
        assertThat(k.path("sessions_saved_by_sprt").asLong()).isEqualTo(556);
        assertThat(k.path("sessions_of_fixed_designs").asLong()).isEqualTo(3 * 282);
        assertThat(CommandResult.run("experiments", "list", "--results", results.toString())).succeeded()
                .outContains("velocity: 2 hypotheses decided").outContains("SPRT saved 556 sessions (66% of the fixed designs)");
    }

    @Test
    void emptyAndOutOfRangeConfigsAreOneLineNamingFileAndPlace() throws IOException {
        Path empty = tmp.resolve("empty.json");
        Files.writeString(empty, "");
        assertThat(CommandResult.run("config", "show", empty.toString())).exitedWith(2).errLines(1)
                .errContains(empty + ": /: expected a JSON object, got an empty file");
        Path big = tmp.resolve("big.json");
        Files.writeString(big, "{\"schema_version\":1,\"experiment_id\":\"big\",\"parent\":\""
                + Path.of("configs/baseline.json").toAbsolutePath() + "\",\"run\":{\"max_cost_usd\":1e309}}");
        assertThat(CommandResult.run("config", "validate", big.toString())).exitedWith(2).errLines(1).noStackTrace()
                .errContains(big + ": /run/max_cost_usd: number out of range");
        assertThat(CommandResult.run("config", "show", "configs/exp_042.json", "--set", "run.max_cost_usd=1e309"))
                .exitedWith(2).errLines(1).errContains("--set run.max_cost_usd=1e309: /run/max_cost_usd: number out of range");
        Path results = tmp.resolve("results");
        assertThat(CommandResult.run("run-experiment", "--control", "configs/baseline.json", "--test", "configs/exp_042.json",
                "--max-cost", "1e309", "--results", results.toString())).exitedWith(2).errLines(1)
                .errContains("--max-cost: must be a dollar amount > 0 and at most 1e9, got Infinity");
        assertThat(results).doesNotExist();
    }

    @Test
    void hugeCountsAndSimulationsAreRefused() {
        assertThat(CommandResult.run("sprt", "test", "--wins", "9223372036854775807", "--ties", "1", "--losses", "1"))
                .exitedWith(2).errLines(1).errContains("--wins/--ties/--losses: counts must add up to at most");
        CommandResult r = CommandResult.run("simulate-bandit", "--runs", "2000000000", "--horizon", "10");
        assertThat(r).exitedWith(2).errLines(1).noStackTrace().errContains("GB of memory").errContains("pulls/s measured");
    }

    @Test
    void validateChecksEachFileByItsKind() throws IOException {
        List<String> args = new ArrayList<>(List.of("config", "validate"));
        try (Stream<Path> s = Files.list(Path.of("configs"))) {
            s.filter(p -> p.toString().endsWith(".json")).sorted().forEach(p -> args.add(p.toString()));
        }
        assertThat(args).contains("configs/hub.json", "configs/prices.json", "configs/insights.json");
        CommandResult r = CommandResult.run(args.toArray(String[]::new));
        assertThat(r).succeeded().outContains("configs/hub.json: ok (hub)").outContains("configs/prices.json: ok (prices)")
                .outContains("configs/exp_042.json: ok (experiment)");
        assertThat(CommandResult.run("config", "validate", "configs/tasks/store-demo.json")).succeeded()
                .outContains("ok (tasks)");
    }

    @Test
    void validateChecksReferencedFilesAndTheVariant() throws IOException {
        Path c = tmp.resolve("c.json");
        Files.writeString(c, "{\"schema_version\":1,\"experiment_id\":\"c\",\"parent\":\""
                + Path.of("configs/baseline.json").toAbsolutePath() + "\",\"tasks\":\"no/such/suite.json\","
                + "\"variant\":\"nosuch\"}");
        CommandResult r = CommandResult.run("config", "validate", c.toString());
        assertThat(r).exitedWith(2).errLines(2).errContains(c + ": /tasks: ").errContains("task suite not found")
                .errContains(c + ": /variant: unknown variant 'nosuch'");
        Path codes = tmp.resolve("codes.json");
        Files.writeString(codes, "{\"schema_version\":1,\"experiment_id\":\"codes\",\"parent\":\""
                + Path.of("configs/baseline.json").toAbsolutePath() + "\",\"task_codes\":[\"gpu_rac\"]}");
        assertThat(CommandResult.run("config", "validate", codes.toString())).exitedWith(2).errLines(1)
                .errContains(codes + ": /task_codes/0: no task code 'gpu_rac'").errContains("did you mean 'gpu_race'?");
    }

    @Test
    void unpairedPlanCountsSessionsPerArm() {
        assertThat(CommandResult.run("sprt", "plan", "--design", "unpaired", "--simulate", "0")).succeeded()
                .outContains("(n in sessions per arm)");
    }

    @Test
    void statusLineUpdatesInPlaceOnATerminalOnly() {
        StringWriter tty = new StringWriter();
        try (StatusLine s = new StatusLine(new PrintWriter(tty), true)) {
            s.show("pairs 1");
            s.show("pairs 2");
            s.message("note");
            s.show("pairs 3");
        }
        assertThat(tty.toString()).isEqualTo("\rpairs 1\u001b[K\rpairs 2\u001b[K\r\u001b[Knote" + System.lineSeparator()
                + "\rpairs 3\u001b[K" + System.lineSeparator());
        StringWriter log = new StringWriter();
        try (StatusLine s = new StatusLine(new PrintWriter(log), false)) {
            s.show("pairs 1");
            s.show("pairs 2");
        }
        assertThat(log.toString().lines().toList()).containsExactly("pairs 1", "pairs 2");
    }
}
