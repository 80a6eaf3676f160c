package dev.metaorch.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.agent.AgentTrial;
import dev.metaorch.agent.TranscriptView;
import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.Json;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code metaorch try}: one session of one config, shown in full; or the replay of a recorded session. */
@Command(name = "try", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run one session of CONFIG and print each agent event as parsed, each LLM call the proxy "
            + "metered, the record a run would store, its cost, and every protocol problem with the line that "
            + "caused it.",
            "Nothing enters a test. With --replay, run a recorded session again against its recorded LLM answers "
                + "(nothing is paid) and compare the transcripts."},
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch try my-agent/control.json",
            "  metaorch try my-agent/control.json --task sum_2 --record",
            "  metaorch try --replay try-20261203-101500-123/try/0",
            "",
            "Exit 0 when the session ran clean; 1 when it ended in error/timeout or broke the protocol; 2 on bad input."})
final class TryCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(arity = "0..1", paramLabel = "CONFIG", description = "The config to try.") Path config;
    @Option(names = "--task", paramLabel = "ID", description = "Task id (default: the suite's first task).") String task;
    @Mixin SharedOptions.Overrides overrides;
    @Option(names = "--record", description = "Keep the LLM request/response pairs (for --replay).") boolean record;
    @Option(names = "--replay", paramLabel = "SESSION_ID", description = "Replay a recorded session instead.") String replay;
    @Mixin SharedOptions.Attempt attempt;
    @Mixin SharedOptions.RunInputs in;
    @Mixin SharedOptions.JsonOutput json;

    @Override
    public Integer call() throws Exception {
        Console console = json.console();
        if ((config == null) == (replay == null)) {
            throw new ParameterException(spec.commandLine(), "Give a CONFIG, or --replay SESSION_ID (not both)");
        }
        AgentTrial.Report r = replay != null
                ? AgentTrial.replay(replay, attempt.number, in.results.dir, in.plugins.dir, in.prices.file)
                : AgentTrial.run(new AgentTrial.Options(config, overrides.values, task, record, in.results.dir, in.plugins.dir,
                        in.prices.file));
        if (json.enabled) {
            ObjectNode o = Json.object();
            o.set("record", Json.tree(r.record()));
            o.set("transcript", Json.tree(r.transcript()));
            var problems = o.putArray("problems");
            r.problems().forEach(p -> problems.add(p.toString()));
            o.put("transcript_file", r.transcriptFile().toString());
            r.replayIdentical().ifPresent(b -> o.put("replay_identical", b));
            console.json(o);
        } else {
            print(console.out(), r, replay != null);
        }
        boolean clean = r.problems().isEmpty() && !r.record().outcome().isInfrastructure()
                && r.replayIdentical().orElse(true);
        return clean ? ExitCodes.OK : ExitCodes.RUNTIME_FAILURE;
    }

    private static void print(PrintWriter out, AgentTrial.Report r, boolean replayed) {
        out.println(replayed ? "replay of " + r.record().sessionId() + " (recorded answers; nothing paid, nothing stored)"
                : "try: session " + r.record().sessionId() + " on task " + r.record().task().id());
        out.println();
        out.println("events:");
        TranscriptView.render(r.transcript()).forEach(out::println);
        if (!replayed) {
            out.println();
            out.println("record (what a run would store in sessions.jsonl):");
            out.print(Json.pretty(r.record()));
            out.println();
            out.printf("cost       $%s (%d prompt, %d cached, %d completion tokens; %d LLM calls; price table %s)%n",
                    BigDecimal.valueOf(r.record().costUsd()).stripTrailingZeros().toPlainString(), r.record().tokens().prompt(),
                    r.record().tokens().cachedPrompt(), r.record().tokens().completion(), r.record().llmCalls(),
                    r.record().priceTable());
        }
        if (r.problems().isEmpty()) {
            out.println("problems   none");
        } else {
            out.println("problems   " + r.problems().size() + ":");
            r.problems().forEach(p -> out.println("  " + p));
        }
        r.replayIdentical().ifPresent(same -> out.println("replay     transcript " + (same ? "identical to" : "DIFFERS from")
                + " the original " + r.original()));
        out.println("transcript " + r.transcriptFile());
        out.println("stderr     " + r.stderrLog());
        out.flush();
    }
}
