package dev.metaorch.cli;

import dev.metaorch.common.ExitCodes;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.results.ResultStore;
import dev.metaorch.serve.DashboardServer;
import dev.metaorch.store.ResultStores;
import dev.metaorch.store.StoreUrl;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code metaorch serve}: the local dashboard of a results folder or a team store, until Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a dashboard of a results folder in the browser.",
            "Runs, a run live (W/T/L, LLR against its bounds, spend, in flight, ETA; dead runs with their resume "
                + "command), compare two runs, sessions, Pareto, experiments and insights. Listens on 127.0.0.1 only, "
                + "unless --bind with --token.",
            "With --store (or $METAORCH_STORE): the team store's runs, live ones too, wherever their coordinators run."},
        footerHeading = "%nExamples:%n",
        footer = {"  metaorch serve --open", "  metaorch serve --port 8765 --results results",
            "  metaorch serve --store postgresql://db.team:5432/metaorch",
            "  METAORCH_SERVE_TOKEN=$(openssl rand -hex 16) metaorch serve --bind 0.0.0.0"})
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--port", defaultValue = "8765", description = "Port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--results", defaultValue = "results", description = "Results folder (default ${DEFAULT-VALUE}).")
    Path results;

    @Mixin SharedOptions.Store store;

    @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "ADDR",
            description = "Address to listen on (default ${DEFAULT-VALUE}); a non-loopback address needs --token.")
    String bind;

    @Option(names = "--token", paramLabel = "T",
            description = "Access token (at least 16 characters); default: the METAORCH_SERVE_TOKEN environment variable.")
    String token;

    @Option(names = "--open", description = "Open the dashboard in the default browser.")
    boolean open;

    @Override
    public Integer call() throws Exception {
        Console console = new Console(spec);
        if (port < 0 || port > 65535) {
            throw MetaorchException.invalidInput("--port: must be in 0..65535, got " + port);
        }
        StoreUrl url = store.optional();
        if (url == null && !Files.isDirectory(results)) {
            throw MetaorchException.invalidInput("--results " + results + ": no such folder");
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(bind);
        } catch (UnknownHostException e) {
            throw MetaorchException.invalidInput("--bind " + bind + ": unknown address");
        }
        String t = token != null ? token : System.getenv("METAORCH_SERVE_TOKEN");
        CountDownLatch stopped = new CountDownLatch(1);
        try (ResultStore read = ResultStores.open(results, url);
                DashboardServer server = DashboardServer.start(read, address, port, t)) {
            String page = server.url(t);
            console.info("metaorch serve: " + page + " (results " + (url == null ? results : url) + "; Ctrl-C to stop)");
            if (open) {
                openBrowser(page, console);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "metaorch-serve-stop"));
            stopped.await();
        }
        return ExitCodes.OK;
    }

    private static void openBrowser(String url, Console console) {
        try {
            if (java.awt.Desktop.isDesktopSupported() && java.awt.Desktop.getDesktop().isSupported(java.awt.Desktop.Action.BROWSE)) {
                java.awt.Desktop.getDesktop().browse(java.net.URI.create(url));
                return;
            }
            new ProcessBuilder("xdg-open", url).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (Exception | LinkageError e) {
            console.warn("could not open a browser (" + e.getMessage() + "); open " + url);
        }
    }
}
