package dev.metaorch.variant.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.config.PriceTable;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.proxy.AgentMetering;
import dev.metaorch.proxy.MeteredSession;
import dev.metaorch.proxy.SpendGuard;
import dev.metaorch.proxy.SpendGuarded;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord.ErrorInfo;
import dev.metaorch.session.SessionRecord.Tokens;
import dev.metaorch.variant.AgentGroup;
import dev.metaorch.variant.AgentProcesses;
import dev.metaorch.variant.SessionRequest;
import dev.metaorch.variant.SessionResult;
import dev.metaorch.variant.Variant;
import dev.metaorch.variant.VariantContext;
import dev.metaorch.variant.VariantProvider;
import dev.metaorch.variant.builtin.AgentEvents.InvalidEvent;
import dev.metaorch.variant.builtin.AgentEvents.MalformedLine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Any agent in any language, one process per session, over JSON Lines on stdin/stdout
 * (DESIGN.md "Variant plugins"). The argv comes from {@code params.command} (never a shell
 * string). metaorch prices the {@code llm_call} events itself. Faults become outcomes: a
 * non-zero exit, a missing {@code result}, a malformed line (with its line number), an invalid
 * event ("invalid event on stdout line N: ...", see {@link AgentEvents}) or stdout over
 * {@code params.output_cap_bytes} is {@code error}; passing the deadline is {@code timeout}.
 * Every failure keeps the tokens and calls the agent reported before it.
 * <p>Process lifetime (docs/agents-processes.md): the agent is started through util-linux
 * {@code setsid}, so it leads a session of its own ({@code pid == pgid == sid}), and it is
 * recorded with the request's {@link AgentProcesses} before it gets its start message. Every
 * way out of {@link ProcessVariant#run} — result, exit, cancel, timeout, invalid output,
 * shutdown, exception — kills the whole session (SIGTERM, then SIGKILL after
 * {@link #TERM_GRACE_MS}), and pipes still held open by a process that escaped are abandoned
 * rather than waited for. stderr goes to the session's log, cut at {@code output_cap_bytes} with
 * a note line at the end.
 * <p>Environment given to the agent: only {@code PATH}, {@code HOME}, {@code LANG},
 * {@code TMPDIR}, the variables named in {@code params.env_passthrough} (how API keys reach an
 * agent: from metaorch's environment, never from a config), and {@code METAORCH_SESSION_ID}.
 */
public final class ProcessVariantProvider implements VariantProvider {
    static final long DEFAULT_OUTPUT_CAP = 8L << 20;
    /** How long a cancelled agent may take to answer {"type":"cancel"} before its group is killed. */
    static final long CANCEL_GRACE_MS = 1000;
    /** SIGTERM to SIGKILL. */
    static final long TERM_GRACE_MS = 1000;
    /** How long an agent may take to exit after its result event before its group is killed. */
    static final long RESULT_EXIT_GRACE_MS = 1000;
    /**
     * Once the group is dead, a pipe read that blocks this long means a process outside the group
     * (one that called setsid) holds the pipe: it is abandoned. A reader that is busy parsing is waited for.
     */
    static final long PIPE_DRAIN_MS = 2000;
    /** The longest a dead group's pipes are waited for, busy or not. */
    static final long PIPE_DRAIN_MAX_MS = 30_000;
    /** How long setsid may take to make the agent a session leader. */
    static final long SETSID_WAIT_MS = 2000;

    @Override
    public String name() {
        return "process";
    }

    @Override
    public String description() {
        return "Any agent as a process speaking JSON Lines on stdin/stdout (argv from params.command)";
    }

    @Override
    public Variant create(VariantContext context) {
        ResolvedConfig config = context.config();
        JsonNode cmd = config.params().path("command");
        String where = config.sourceOf("/params/command") + ": /params/command";
        if (!cmd.isArray() || cmd.isEmpty()) {
            throw MetaorchException.invalidInput(where + ": the process variant needs an argv array, e.g. [\"python3\", \"agent.py\"]");
        }
        List<String> argv = new ArrayList<>();
        for (JsonNode a : cmd) {
            if (!a.isTextual()) {
                throw MetaorchException.invalidInput(where + ": every argv element must be a string, got " + a);
            }
            argv.add(a.asText());
        }
        List<String> passthrough = new ArrayList<>();
        config.params().path("env_passthrough").forEach(n -> passthrough.add(n.asText()));
        long cap = config.params().path("output_cap_bytes").asLong(DEFAULT_OUTPUT_CAP);
        String wd = config.params().path("working_dir").asText("");
        Path workDir = wd.isEmpty() ? Path.of("").toAbsolutePath()
                : config.file().toAbsolutePath().getParent().resolve(wd).normalize();
        return new ProcessVariant(List.copyOf(argv), passthrough, cap, workDir, context.prices(), config,
                Launcher.detect(System.getenv()), AgentMetering.create(context)); // metering proxy and transcripts
    }

    /**
     * How agents are started: through {@code setsid} (a session of their own) when it and
     * {@code /proc} exist, otherwise directly (process-tree kill only, see {@link AgentGroup}).
     */
    record Launcher(Optional<Path> setsid) {
        static Launcher detect(Map<String, String> env) {
            if (!AgentGroup.procAvailable()) {
                return new Launcher(Optional.empty());
            }
            List<Path> candidates = new ArrayList<>(List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid")));
            for (String dir : env.getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, "setsid"));
                }
            }
            return new Launcher(candidates.stream().filter(Files::isExecutable).findFirst());
        }

        boolean isolated() {
            return setsid.isPresent();
        }

        /** {@code setsid -w argv...}: setsid execs the agent in place (pid kept) unless it leads a group already. */
        List<String> command(List<String> argv) {
            if (setsid.isEmpty()) {
                return argv;
            }
            List<String> c = new ArrayList<>(List.of(setsid.get().toString(), "-w"));
            c.addAll(argv);
            return c;
        }
    }

    static final class ProcessVariant implements Variant, SpendGuarded {
        private final List<String> argv;
        private final List<String> passthrough;
        private final long outputCap;
        private final Path workDir;
        private final PriceTable prices;
        private final ResolvedConfig config;
        private final Launcher launcher;
        private final AgentMetering metering;

        ProcessVariant(List<String> argv, List<String> passthrough, long outputCap, Path workDir, PriceTable prices,
                ResolvedConfig config, Launcher launcher, AgentMetering metering) {
            this.metering = metering;
            this.argv = argv;
            this.passthrough = passthrough;
            this.outputCap = outputCap;
            this.workDir = workDir;
            this.prices = prices;
            this.config = config;
            this.launcher = launcher;
        }

        @Override
        public void spendGuard(SpendGuard guard) {
            metering.spendGuard(guard);
        }

        @Override
        public void close() {
            metering.close();
        }

        @Override
        public SessionResult run(SessionRequest request) throws IOException, InterruptedException {
            try (MeteredSession ms = metering.open(request)) {
                return ms.finish(runProcess(request, ms));
            }
        }

        private SessionResult runProcess(SessionRequest request, MeteredSession ms) throws IOException {
            Instant start = Instant.now();
            AgentProcesses agents = request.agentProcesses();
            if (agents.stopping()) {
                return SessionResult.infrastructure(Outcome.CANCELLED, "cancelled", "metaorch is shutting down", 0,
                        Tokens.ZERO, 0, 0);
            }
            ProcessBuilder pb = new ProcessBuilder(launcher.command(argv)).directory(workDir.toFile());
            environment(pb.environment(), request);
            pb.environment().putAll(ms.environment());
            OutputStream stderrLog = OutputStream.nullOutputStream();
            if (request.stderrLog() != null) {
                Files.createDirectories(request.stderrLog().getParent());
                stderrLog = Files.newOutputStream(request.stderrLog());
            }
            Process process;
            try {
                process = pb.start();
            } catch (IOException e) {
                stderrLog.close();
                return SessionResult.infrastructure(Outcome.ERROR, "spawn_failed", "cannot start " + argv + ": "
                        + e.getMessage(), 0, Tokens.ZERO, 0, 0);
            }
            return new AgentSession(process, request, agents, stderrLog, start, ms).run();
        }

        /** The agent's environment: nothing from metaorch's but what is named here (see the class comment). */
        private void environment(Map<String, String> env, SessionRequest request) {
            Map<String, String> parent = System.getenv();
            env.clear();
            for (String k : List.of("PATH", "HOME", "LANG", "TMPDIR")) {
                if (parent.containsKey(k)) {
                    env.put(k, parent.get(k));
                }
            }
            passthrough.forEach(k -> {
                if (parent.containsKey(k)) {
                    env.put(k, parent.get(k));
                }
            });
            env.put("METAORCH_SESSION_ID", request.sessionId());
        }

        private String startMessage(SessionRequest request) {
            ObjectNode m = Json.object();
            m.put("type", "start").put("protocol", 1).put("session_id", request.sessionId());
            ObjectNode task = m.putObject("task");
            task.put("id", request.task().id()).put("code", request.task().code()).put("text", request.task().text())
                    .put("solvable", request.task().solvable()).put("optimal_steps", request.task().optimalSteps())
                    .put("difficulty", request.task().difficulty());
            m.set("config", request.config().tree());
            m.put("seed", request.seed()).put("attempt", request.attempt());
            m.putObject("limits").put("timeout_s", request.limits().timeoutS()).put("max_steps", request.limits().maxSteps())
                    .put("max_cost_usd", request.limits().maxCostUsd());
            return Json.line(m);
        }

        /** What the agent reported so far; replaced as a whole so that a reader sees one consistent state. */
        record Totals(long prompt, long completion, long cached, int calls, int steps, double cost) {
            static final Totals ZERO = new Totals(0, 0, 0, 0, 0, 0);

            Tokens tokens() {
                return Tokens.of(prompt, completion, cached);
            }

            /** @throws ArithmeticException when a sum overflows */
            Totals plus(AgentEvents.LlmCall c, double price) {
                long p = Math.addExact(prompt, c.promptTokens());
                long o = Math.addExact(completion, c.completionTokens());
                Math.addExact(p, o); // the total stored with the record
                return new Totals(p, o, Math.addExact(cached, c.cachedPromptTokens()), Math.incrementExact(calls), steps,
                        cost + price);
            }

            Totals plusStep() {
                return new Totals(prompt, completion, cached, calls, Math.incrementExact(steps), cost);
            }
        }

        /** A fault that ends the session: its outcome and reason. */
        record Fault(Outcome outcome, String type, String message) {
        }

        /** One agent process and its session, from start to the last kill. */
        final class AgentSession {
            private final Process process;
            private final SessionRequest request;
            private final AgentProcesses agents;
            private final OutputStream stderrLog;
            private final Instant start;
            private final AtomicReference<Totals> totals = new AtomicReference<>(Totals.ZERO);
            private final LinkedBlockingQueue<byte[]> toAgent = new LinkedBlockingQueue<>();
            private volatile Fault problem;
            private volatile AgentEvents.Result result;
            private volatile long resultAt;
            private final MeteredSession ms;
            private volatile long cancelSentAt;
            private volatile AgentProcesses.Tracked tracked;

            AgentSession(Process process, SessionRequest request, AgentProcesses agents, OutputStream stderrLog,
                    Instant start, MeteredSession ms) {
                this.ms = ms;
                this.process = process;
                this.request = request;
                this.agents = agents;
                this.stderrLog = stderrLog;
                this.start = start;
            }

            SessionResult run() {
                AgentGroup group = null;
                List<Pipe> pipes = new ArrayList<>();
                Fault fault = null;
                boolean killedAfterResult = false;
                boolean interrupted = false;
                try {
                    Pipe err = new Pipe(process.getErrorStream());
                    Pipe out = new Pipe(process.getInputStream());
                    pipes.add(err.start("agent-stderr", () -> copyCapped(err, stderrLog)));
                    pipes.add(out.start("agent-stdout", () -> readEvents(out)));
                    group = AgentGroup.of(process, launcher.isolated(), SETSID_WAIT_MS);
                    tracked = agents.track(group, launcher.command(argv));
                    daemon("agent-stdin", this::writeToAgent);
                    toAgent.add(bytes(startMessage(request)));
                    request.cancellation().onCancel(() -> {
                        cancelSentAt = System.nanoTime();
                        toAgent.add(bytes(Json.line(Json.object().put("type", "cancel"))));
                    });
                    while (true) {
                        long left = Duration.between(Instant.now(), request.deadline()).toMillis();
                        if (process.waitFor(Math.max(1, Math.min(left, 50)), TimeUnit.MILLISECONDS)) {
                            break;
                        }
                        fault = check();
                        if (fault != null) {
                            break;
                        }
                        if (result != null && millisSince(resultAt) > RESULT_EXIT_GRACE_MS) {
                            killedAfterResult = true;
                            break;
                        }
                    }
                } catch (AgentProcesses.StoppingException e) {
                    fault = new Fault(Outcome.CANCELLED, "cancelled", e.getMessage());
                } catch (IOException e) {
                    fault = new Fault(Outcome.ERROR, "agent_error", "cannot record the agent's process group: "
                            + e.getMessage());
                } catch (InterruptedException e) {
                    interrupted = true;
                    fault = new Fault(Outcome.CANCELLED, "interrupted", "session thread interrupted");
                } catch (RuntimeException e) {
                    fault = new Fault(Outcome.ERROR, e.getClass().getSimpleName(), String.valueOf(e.getMessage()));
                } finally {
                    // before setsid ran, the group is the leader alone: members() always includes a live leader
                    int killed = (group != null ? group : new AgentGroup(process.pid(), 0, launcher.isolated()))
                            .kill(TERM_GRACE_MS);
                    reap(process);
                    toAgent.add(EOF);
                    drain(pipes);
                    if (tracked != null) {
                        tracked.close();
                    }
                    if (fault != null && fault.outcome() == Outcome.TIMEOUT) {
                        fault = new Fault(fault.outcome(), fault.type(), fault.message() + " (" + killed
                                + (killed == 1 ? " process" : " processes") + ")");
                    }
                    if (interrupted) {
                        Thread.currentThread().interrupt();
                    }
                }
                return outcome(fault, killedAfterResult);
            }

            /** A reason to stop the agent now, or null. */
            private Fault check() {
                if (!Instant.now().isBefore(request.deadline())) {
                    return new Fault(Outcome.TIMEOUT, "timeout", "session exceeded " + request.limits().timeoutS()
                            + " s: process group killed");
                }
                if (problem != null) {
                    return problem;
                }
                if (agents.stopping()) {
                    return new Fault(Outcome.CANCELLED, "cancelled", "metaorch is shutting down");
                }
                if (request.cancellation().isCancelled() && result == null && cancelSentAt != 0
                        && millisSince(cancelSentAt) > CANCEL_GRACE_MS) {
                    return new Fault(Outcome.CANCELLED, "cancelled", "cancelled: " + request.cancellation().reason());
                }
                return null;
            }

            /** The session's result once its group is dead and its pipes drained or abandoned. */
            private SessionResult outcome(Fault fault, boolean killedAfterResult) {
                Totals t = totals.get();
                long elapsed = Duration.between(start, Instant.now()).toMillis();
                AgentEvents.Result r = result;
                if (fault == null && problem != null) {
                    fault = problem;
                }
                if (fault == null && r == null && agents.stopping()) {
                    fault = new Fault(Outcome.CANCELLED, "cancelled", "metaorch is shutting down");
                }
                if (fault == null && r == null && request.cancellation().isCancelled()) {
                    fault = new Fault(Outcome.CANCELLED, "cancelled", "cancelled: " + request.cancellation().reason());
                }
                if (fault == null && !killedAfterResult && !process.isAlive() && process.exitValue() != 0) {
                    fault = new Fault(Outcome.ERROR, "agent_error", "agent exited with code " + process.exitValue());
                }
                if (fault == null && r == null) {
                    fault = new Fault(Outcome.ERROR, "agent_error", "agent exited without a result event");
                }
                if (fault != null) {
                    return new SessionResult(fault.outcome(), false, null, t.tokens(), t.calls(), t.steps(), elapsed,
                            new ErrorInfo(fault.type(), fault.message()), Json.object(), t.cost());
                }
                return new SessionResult(r.outcome(), r.success(), r.externalScore(), t.tokens(), t.calls(), t.steps(),
                        elapsed, null, r.metrics(), t.cost());
            }

            private void readEvents(Pipe out) {
                long bytes = 0;
                long lineNo = 0;
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                byte[] buf = new byte[8192];
                try (out) {
                    int n;
                    while ((n = out.read(buf)) != -1) {
                        bytes += n;
                        if (bytes > outputCap) {
                            problem = new Fault(Outcome.ERROR, "agent_error", "agent output exceeded the cap of "
                                    + outputCap + " bytes");
                            return;
                        }
                        int from = 0;
                        for (int i = 0; i < n; i++) {
                            if (buf[i] == '\n') {
                                line.write(buf, from, i - from);
                                from = i + 1;
                                handle(line.toString(StandardCharsets.UTF_8), ++lineNo);
                                line.reset();
                                if (problem != null) {
                                    return;
                                }
                            }
                        }
                        line.write(buf, from, n - from);
                    }
                    if (line.size() > 0) {
                        handle(line.toString(StandardCharsets.UTF_8), lineNo + 1);
                    }
                } catch (IOException e) {
                    // stream closed by the kill
                }
            }

            private void handle(String line, long lineNo) {
                ms.agentLine(lineNo, line);
                if (line.isBlank()) {
                    return;
                }
                AgentEvents.Event ev;
                try {
                    ev = AgentEvents.parse(line);
                } catch (MalformedLine e) {
                    problem = new Fault(Outcome.ERROR, "agent_error", "stdout line " + lineNo + ": " + e.getMessage());
                    return;
                } catch (InvalidEvent e) {
                    problem = invalid(lineNo, e.getMessage());
                    return;
                }
                try {
                    if (ev instanceof AgentEvents.LlmCall c) {
                        llmCall(c);
                    } else if (ev instanceof AgentEvents.Step) {
                        totals.set(totals.get().plusStep());
                    } else if (ev instanceof AgentEvents.Result r) {
                        if (result != null) {
                            problem = invalid(lineNo, "a second result event");
                            return;
                        }
                        resultAt = System.nanoTime();
                        result = r;
                    }
                } catch (ArithmeticException e) {
                    problem = invalid(lineNo, "the session's token or call totals overflow");
                }
            }

            private void llmCall(AgentEvents.LlmCall c) {
                String model = c.model() != null ? c.model() : config.modelId();
                PriceTable.ModelPrice price = prices.price(model).or(() -> prices.price(config.modelId()))
                        .orElse(new PriceTable.ModelPrice(0, 0, 0));
                Totals now = totals.get().plus(c, price.cost(c.promptTokens(), c.cachedPromptTokens(), c.completionTokens()));
                totals.set(now);
                if (tracked != null) {
                    tracked.spent(now.tokens(), now.calls(), now.cost());
                }
                double budget = config.params().path("max_cost_per_session_usd").asDouble(Double.MAX_VALUE);
                if (now.cost() > budget && cancelSentAt == 0) {
                    request.cancellation().cancel("session budget of $" + budget + " exceeded");
                }
            }

            private Fault invalid(long lineNo, String why) {
                return new Fault(Outcome.ERROR, "invalid_event", "invalid event on stdout line " + lineNo + ": " + why);
            }

            /** Copies the agent's stderr to its log up to the cap, then a note line; drains the rest. */
            private void copyCapped(Pipe err, OutputStream log) {
                long written = 0;
                long dropped = 0;
                byte[] buf = new byte[8192];
                try (err; log) {
                    int n;
                    while ((n = err.read(buf)) != -1) {
                        int keep = (int) Math.max(0, Math.min(n, outputCap - written));
                        if (keep > 0) {
                            log.write(buf, 0, keep);
                            written += keep;
                        }
                        if (keep < n) {
                            if (dropped == 0) {
                                log.write(("\n[metaorch: stderr truncated at " + outputCap
                                        + " bytes (params.output_cap_bytes); the rest was discarded]\n")
                                        .getBytes(StandardCharsets.UTF_8));
                                log.flush();
                            }
                            dropped += n - keep;
                        }
                    }
                } catch (IOException e) {
                    // pipe closed by the kill, or the log cannot be written: the agent must not block on stderr either way
                }
            }

            private void writeToAgent() {
                OutputStream in = process.getOutputStream();
                try (in) {
                    while (true) {
                        byte[] line = toAgent.take();
                        if (line == EOF) {
                            return;
                        }
                        in.write(line);
                        in.flush();
                    }
                } catch (IOException | InterruptedException e) {
                    // the agent closed its stdin or died: its exit and output tell what happened
                }
            }

            /**
             * Waits for the pipe threads to reach end of file: as long as they are busy, but a read
             * that blocks {@link #PIPE_DRAIN_MS} while the group is dead is held by an escaped
             * process, and that pipe is abandoned (its thread is a daemon, blocked until the escapee ends).
             */
            private void drain(List<Pipe> pipes) {
                // a read counts as blocked only from the moment the group is dead: a read that began
                // while the agent was working and is about to return its last lines (the result) is
                // given PIPE_DRAIN_MS from now, however long ago it began
                long dead = System.nanoTime();
                long hardEnd = dead + TimeUnit.MILLISECONDS.toNanos(PIPE_DRAIN_MAX_MS);
                boolean interrupted = Thread.interrupted();
                for (Pipe p : pipes) {
                    while (p.thread.isAlive() && System.nanoTime() < hardEnd
                            && p.blockedMillisSince(dead) < PIPE_DRAIN_MS) {
                        try {
                            p.thread.join(10);
                        } catch (InterruptedException e) {
                            interrupted = true;
                        }
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /** One of the agent's output pipes and the thread that reads it; knows whether a read is blocked. */
        static final class Pipe extends InputStream {
            private final InputStream in;
            /** System.nanoTime() when the current read began, 0 while not reading. */
            private volatile long readingSince;
            Thread thread;

            Pipe(InputStream in) {
                this.in = in;
            }

            Pipe start(String name, Runnable body) {
                thread = daemon(name, body);
                return this;
            }

            /** How long the current read has been blocked, counted from {@code from} at the earliest (0 when not reading). */
            long blockedMillisSince(long from) {
                long since = readingSince;
                return since == 0 ? 0 : (System.nanoTime() - Math.max(since, from)) / 1_000_000L;
            }

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                readingSince = System.nanoTime();
                try {
                    return in.read(b, off, len);
                } finally {
                    readingSince = 0;
                }
            }

            @Override
            public void close() throws IOException {
                in.close();
            }
        }

        /** Tells the stdin writer to close the agent's stdin. */
        private static final byte[] EOF = new byte[0];

        private static byte[] bytes(String line) {
            return (line + "\n").getBytes(StandardCharsets.UTF_8);
        }

        /** Waits (not interruptibly) for the JVM to reap the killed leader, so that its exit code is known. */
        private static void reap(Process process) {
            boolean interrupted = Thread.interrupted();
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TERM_GRACE_MS);
            while (process.isAlive() && System.nanoTime() < end) {
                try {
                    process.waitFor(TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()) + 1, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        private static Thread daemon(String name, Runnable body) {
            Thread t = new Thread(body, name);
            t.setDaemon(true);
            t.start();
            return t;
        }

        private static long millisSince(long nanoTime) {
            return (System.nanoTime() - nanoTime) / 1_000_000L;
        }
    }
}
