package dev.metaorch.cli;

import dev.metaorch.analysis.GroupKey;
import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.MetaorchException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.UsageMessageSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Builds the configured {@code metaorch} command line with the given output streams.
 * Picocli settings that apply to every command live here, so a new subcommand gets them by
 * being registered in {@link MetaorchCommand}:
 * <ul>
 * <li>usage help uses the terminal width ({@code usageHelpAutoWidth}; 80 columns when there is
 * no terminal) and shows every option's default ({@code showDefaultValues});</li>
 * <li>footer lines that are examples ({@code "  metaorch ..."}) are printed as written, never
 * wrapped, so they can be pasted; other footer lines wrap at word boundaries;</li>
 * <li>a parse error prints one line and one hint ({@code see 'metaorch sprt test --help'}),
 * exit 2, instead of picocli's full usage.</li>
 * </ul>
 */
public final class CommandFactory {
    /** Footer lines starting with this are examples: printed verbatim. */
    static final String EXAMPLE_PREFIX = "  metaorch ";

    private CommandFactory() {
    }

    public static CommandLine create(PrintWriter out, PrintWriter err) {
        return create(out, err, 0);
    }

    /**
     * @param width usage help width in columns; 0 for the terminal's width (picocli's auto width)
     */
    public static CommandLine create(PrintWriter out, PrintWriter err, int width) {
        MetaorchCommand root = new MetaorchCommand();
        CommandLine cl = new CommandLine(root);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.registerConverter(GroupKey.class, GroupKey::parse); // accepts the aliases model_id and experiment
        if (width > 0) {
            cl.setUsageHelpAutoWidth(false);
            cl.setUsageHelpWidth(width);
        } else {
            cl.setUsageHelpAutoWidth(true);
        }
        cl.setUsageHelpLongOptionsMaxWidth(28);
        configureHelp(cl);
        cl.setParameterExceptionHandler(CommandFactory::parseError);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter e = commandLine.getErr();
            if (ex instanceof MetaorchException me) {
                me.problems().forEach(e::println);
                if (root.stacktrace() && me.getCause() != null) {
                    me.getCause().printStackTrace(e);
                }
                e.flush();
                return me.exitCode();
            }
            e.println("error: " + describe(ex) + (root.stacktrace() ? "" : " (run with --stacktrace for details)"));
            if (root.stacktrace()) {
                ex.printStackTrace(e);
            }
            e.flush();
            return ExitCodes.RUNTIME_FAILURE;
        });
        return cl;
    }

    /** An unexpected failure in one line; a file system's names the file and what went wrong with it. */
    static String describe(Throwable ex) {
        Throwable t = ex instanceof java.io.UncheckedIOException u && u.getCause() != null ? u.getCause() : ex;
        if (t instanceof java.nio.file.FileSystemException fs) {
            String what = fs instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : fs instanceof java.nio.file.NoSuchFileException ? "no such file or folder"
                    : fs instanceof java.nio.file.NotDirectoryException ? "not a folder"
                    : fs instanceof java.nio.file.FileAlreadyExistsException ? "already exists"
                    : fs instanceof java.nio.file.DirectoryNotEmptyException ? "folder not empty"
                    : fs.getReason() != null ? fs.getReason() : fs.getClass().getSimpleName();
            return fs.getFile() + (fs.getOtherFile() == null ? "" : " -> " + fs.getOtherFile()) + ": " + what;
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** Defaults shown and the example-preserving footer, for this command and every subcommand. */
    private static void configureHelp(CommandLine cl) {
        UsageMessageSpec usage = cl.getCommandSpec().usageMessage();
        usage.showDefaultValues(true);
        cl.getHelpSectionMap().put(UsageMessageSpec.SECTION_KEY_FOOTER, help -> footer(help.commandSpec(), help.commandSpec().usageMessage().width()));
        cl.getSubcommands().values().stream().distinct().forEach(CommandFactory::configureHelp);
    }

    static String footer(CommandSpec spec, int width) {
        StringBuilder sb = new StringBuilder();
        for (String line : spec.usageMessage().footer()) {
            String text = line.replace("%n", "").replace("%%", "%");
            if (text.startsWith(EXAMPLE_PREFIX)) {
                sb.append(text).append(System.lineSeparator());
            } else {
                wrap(text, width).forEach(l -> sb.append(l).append(System.lineSeparator()));
            }
        }
        return sb.toString();
    }

    /** Word wrap at {@code width} columns, keeping the line's indentation. */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        if (text.isBlank()) {
            lines.add("");
            return lines;
        }
        String indent = text.substring(0, text.length() - text.stripLeading().length());
        StringBuilder cur = new StringBuilder(indent);
        for (String word : text.strip().split(" +")) {
            if (cur.length() > indent.length() && cur.length() + 1 + word.length() > width) {
                lines.add(cur.toString());
                cur = new StringBuilder(indent);
            }
            if (cur.length() > indent.length()) {
                cur.append(' ');
            }
            cur.append(word);
        }
        lines.add(cur.toString());
        return lines;
    }

    /** One line naming the problem (with picocli's suggestion, if any) and one hint; exit 2. */
    private static int parseError(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        String message = ex.getMessage();
        if (ex.getArgSpec() != null && ex.getValue() != null && message.startsWith("Invalid value")
                && ex.getArgSpec().completionCandidates() != null) {
            // picocli lists enum constants by name(); show the values the option accepts instead
            List<String> accepted = new ArrayList<>();
            ex.getArgSpec().completionCandidates().forEach(accepted::add);
            String name = ex.getArgSpec() instanceof CommandLine.Model.OptionSpec o ? o.longestName()
                    : ex.getArgSpec().paramLabel();
            message = name + ": expected one of " + String.join(", ", accepted) + ", got '" + ex.getValue() + "'";
        }
        if (ex instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            message += " (did you mean " + String.join(" or ", u.getSuggestions().stream().limit(3).toList()) + "?)";
        }
        err.println("error: " + message);
        err.println("see '" + cmd.getCommandSpec().qualifiedName() + " --help'");
        err.flush();
        return ExitCodes.INVALID_INPUT;
    }
}
