package dev.metaorch.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The root command: only dispatches to subcommands. */
@Command(name = "metaorch",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {"Run LLM agent configs as sessions, compare them with a sequential test (SPRT), "
            + "and find the cost/success Pareto front.", ""},
        subcommands = {
            ConfigCommand.class,
            SprtCommand.class,
            RunExperimentCommand.class,
            WorkerCommand.class,
            RunCommand.class,
            VariantsCommand.class,
            WatchCommand.class,
            SimulateBanditCommand.class,
            ExperimentsCommand.class,
            ImportCommand.class,
            StoreCommand.class,
            AnalyzeCommand.class,
            ParetoCommand.class,
            ReportCommand.class,
            InitCommand.class,
            TryCommand.class,
            ShowCommand.class,
            CommandLine.HelpCommand.class,
            AutoComplete.GenerateCompletion.class,
            ServeCommand.class,
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  metaorch config show configs/exp_042.json",
            "  metaorch config validate configs/*.json",
            "  metaorch help sprt",
            "  source <(metaorch generate-completion)",
            "",
            "Data goes to stdout (add --json for machine-readable output); messages to stderr."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done",
            "1:runtime failure (I/O error, disk full, unexpected error)",
            "2:bad usage or input (one line per problem: file: place: what)",
            "130:interrupted by Ctrl-C (SIGINT); resume with --resume RUN_ID",
            "143:stopped by SIGTERM; resume with --resume RUN_ID"})
public final class MetaorchCommand implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--stacktrace", scope = ScopeType.INHERIT,
            description = "Print stack traces of errors (for bug reports).")
    boolean stacktrace;

    boolean stacktrace() {
        return stacktrace;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand");
    }
}
