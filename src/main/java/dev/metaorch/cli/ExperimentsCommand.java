package dev.metaorch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.experiment.ExperimentTracker;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code metaorch experiments [list | show ID]}: the experiment tracker. */
@Command(name = "experiments", mixinStandardHelpOptions = true,
        description = {"The experiment history from results/experiments.jsonl, with lineage and the velocity KPIs",
            "(hypotheses tested per week, sessions saved by SPRT)."},
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch experiments", "  metaorch experiments show exp_042 --json"})
final class ExperimentsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "list|show", defaultValue = "list")
    String action;

    @Parameters(index = "1", arity = "0..1", paramLabel = "ID", description = "Experiment or run id (for show).")
    String id;

    @Option(names = "--results", defaultValue = "results", description = "Results folder (default ${DEFAULT-VALUE}).")
    Path results;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Console console = new Console(spec);
        List<ObjectNode> runs = new ExperimentTracker(results).runs();
        switch (action) {
            case "list" -> list(console, runs);
            case "show" -> {
                if (id == null) {
                    throw MetaorchException.invalidInput("experiments show: needs an experiment or run id");
                }
                List<ObjectNode> matching = runs.stream().filter(r -> id.equals(r.path("experiment_id").asText())
                        || id.equals(r.path("run_id").asText())).toList();
                if (matching.isEmpty()) {
                    throw MetaorchException.invalidInput("experiments show: no experiment or run '" + id + "' in "
                            + results.resolve("experiments.jsonl"));
                }
                ObjectNode o = Json.object();
                o.putArray("runs").addAll(matching);
                o.putPOJO("lineage", lineage(matching.get(matching.size() - 1).path("experiment_id").asText(), runs));
                if (json) {
                    console.json(o);
                } else {
                    console.out().println("lineage: " + String.join(" <- ", lineage(id, runs)));
                    for (ObjectNode r : matching) {
                        console.out().println(Json.pretty(r).strip());
                    }
                }
            }
            default -> throw MetaorchException.invalidInput("experiments: unknown action '" + action + "' (list, show)");
        }
        return ExitCodes.OK;
    }

    private static List<String> lineage(String id, List<ObjectNode> runs) {
        Map<String, String> parents = runs.stream().filter(r -> r.hasNonNull("parent"))
                .collect(Collectors.toMap(r -> r.path("experiment_id").asText(), r -> r.path("parent").asText(), (a, b) -> b));
        List<String> chain = new ArrayList<>();
        String cur = runs.stream().filter(r -> id.equals(r.path("run_id").asText())).findFirst()
                .map(r -> r.path("experiment_id").asText()).orElse(id);
        while (cur != null && !chain.contains(cur) && chain.size() < 33) {
            chain.add(cur);
            cur = parents.get(cur);
        }
        return chain;
    }

    private void list(Console console, List<ObjectNode> runs) {
        long decided = runs.stream().filter(r -> List.of("accepted", "rejected").contains(r.path("status").asText())).count();
        double saved = runs.stream().filter(r -> r.has("fixed_n"))
                .mapToDouble(r -> 2 * (r.path("fixed_n").asDouble() - r.path("pairs").asDouble())).sum();
        double fixed = runs.stream().filter(r -> r.has("fixed_n")).mapToDouble(r -> 2 * r.path("fixed_n").asDouble()).sum();
        double weeks = 1;
        if (!runs.isEmpty()) {
            Instant first = Instant.parse(runs.get(0).path("started_at").asText(Instant.now().toString()));
            weeks = Math.max(1.0, Duration.between(first, Instant.now()).toHours() / (24.0 * 7));
        }
        ObjectNode kpis = Json.object();
        kpis.put("experiments", runs.size()).put("hypotheses_decided", decided)
                .put("hypotheses_per_week", decided / weeks).put("sessions_saved_by_sprt", saved)
                .put("sessions_saved_share", fixed == 0 ? 0 : saved / fixed);
        var falseAcceptances = dev.metaorch.experiment.RepeatedTests.estimate(runs);
        if (json) {
            ObjectNode o = Json.object();
            o.putArray("experiments").addAll(runs);
            o.set("kpis", kpis);
            o.set("false_acceptances", falseAcceptances.toJson());
            console.json(o);
            return;
        }
        var out = console.out();
        out.printf("%-36s %-14s %-12s %-13s %8s %10s %s%n", "run", "experiment", "parent", "status", "sessions", "spend",
                "hypothesis");
        for (JsonNode r : runs) {
            out.printf("%-36s %-14s %-12s %-13s %8d %10.4f %s%n", r.path("run_id").asText(), r.path("experiment_id").asText(),
                    r.path("parent").asText("-"), r.path("status").asText(), r.path("sessions").asLong(),
                    r.path("spend_usd").asDouble(), r.path("hypothesis").path("id").asText(""));
        }
        out.printf("velocity: %d hypotheses decided, %.1f per week; SPRT saved %.0f sessions (%.0f%% of the fixed designs)%n",
                decided, decided / weeks, saved, 100 * kpis.path("sessions_saved_share").asDouble());
        out.println(falseAcceptances.label());
    }
}
