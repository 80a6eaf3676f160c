package dev.metaorch.cli;

import dev.metaorch.agent.TranscriptView;
import dev.metaorch.common.ExitCodes;
import dev.metaorch.proxy.Transcript;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code metaorch show SESSION_ID}: a session's transcript. */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = {"Print a session's transcript: the agent's events, the LLM calls the proxy metered (tokens, "
            + "cost, status), warnings and the end.",
            "--json prints its entries, one JSON object per line."},
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch show exp_042-20261203-101500-123/test/17",
            "  metaorch show exp_042-20261203-101500-123/test/17 --attempt 2 --json"})
final class ShowCommand implements Callable<Integer> {
    @Parameters(paramLabel = "SESSION_ID", description = "<run-id>/<arm>/<pair>, as in sessions.jsonl.") String sessionId;
    @Mixin SharedOptions.Attempt attempt;
    @Mixin SharedOptions.ResultsDir results;
    @Mixin SharedOptions.JsonOutput json;

    @Override
    public Integer call() throws Exception {
        Console console = json.console();
        Path file = TranscriptView.locate(results.dir, sessionId, attempt.number);
        if (json.enabled) {
            Transcript.read(file);
            console.out().print(Files.readString(file));
        } else {
            TranscriptView.render(Transcript.read(file)).forEach(console.out()::println);
        }
        console.out().flush();
        return ExitCodes.OK;
    }
}
