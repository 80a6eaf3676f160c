package dev.metaorch.cli;

import dev.metaorch.agent.AgentScaffold;
import dev.metaorch.common.ExitCodes;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code metaorch init}: starting points. */
@Command(name = "init", mixinStandardHelpOptions = true, description = "Write a starting point.",
        subcommands = InitCommand.Agent.class)
final class InitCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing what to init (agent)");
    }

    /** {@code metaorch init agent DIR}. */
    @Command(name = "agent", mixinStandardHelpOptions = true,
            description = "Write a working agent skeleton for the process protocol into DIR, with a control and a "
                + "test config, a small task suite, the price table and a local fake LLM endpoint (fake_llm.py).",
            footerHeading = "%nExamples:%n",
            footer = {"  metaorch init agent my-agent",
                "  metaorch init agent my-agent --lang node"})
    static final class Agent implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(paramLabel = "DIR", description = "Folder to write into (created; existing files are never overwritten).")
        Path dir;

        @Option(names = "--lang", defaultValue = "python",
                description = "Language of the skeleton: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
        AgentScaffold.Lang lang;

        @Override
        public Integer call() throws Exception {
            Console console = new Console(spec);
            List<Path> files = AgentScaffold.write(dir, lang);
            files.forEach(f -> console.out().println("wrote " + f));
            console.out().println();
            console.out().println("next:");
            console.out().println("  python3 " + dir.resolve("fake_llm.py") + " --port 8799 &   # or use your real endpoint");
            console.out().println("  export OPENAI_BASE_URL=http://127.0.0.1:8799/v1 OPENAI_API_KEY=sk-local-fake");
            console.out().println("  metaorch try " + dir.resolve("control.json"));
            console.out().println("  metaorch run-experiment --control " + dir.resolve("control.json") + " --test "
                    + dir.resolve("test.json"));
            console.out().flush();
            return ExitCodes.OK;
        }
    }
}
