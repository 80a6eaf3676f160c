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
import dev.metaorch.variant.SessionRequest;
import dev.metaorch.variant.SessionResult;
import dev.metaorch.variant.Variant;
import dev.metaorch.variant.VariantContext;
import dev.metaorch.variant.VariantProvider;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Any agent in any language, one process per session, over JSON Lines on stdin/stdout
 * (DESIGN.md "Variant plugins"). The argv comes from {@code params.command} (never a shell
 * string). metaorch prices the {@code llm_call} events itself. Faults become outcomes: a
 * non-zero exit, a missing {@code result}, a malformed line (with its line number) or output
 * over {@code params.output_cap_bytes} is {@code error}; passing the deadline is
 * {@code timeout} (SIGTERM, then SIGKILL, of the whole process tree).
 * <p>Environment given to the agent: only {@code PATH}, {@code HOME}, {@code LANG},
 * {@code TMPDIR}, the variables named in {@code params.env_passthrough} (how API keys reach an
 * agent: from metaorch's environment, never from a config), and {@code METAORCH_SESSION_ID}.
 */
public final class ProcessVariantProvider implements VariantProvider {
    static final long DEFAULT_OUTPUT_CAP = 8L << 20;
    static final long KILL_GRACE_MS = 2000;

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
                AgentMetering.create(context)); // issue 14: metering proxy and transcripts (dev.metaorch.proxy)
    }

    static final class ProcessVariant implements Variant, SpendGuarded {
        private final List<String> argv;
        private final List<String> passthrough;
        private final long outputCap;
        private final Path workDir;
        private final PriceTable prices;
        private final ResolvedConfig config;
        private final AgentMetering metering;

        ProcessVariant(List<String> argv, List<String> passthrough, long outputCap, Path workDir, PriceTable prices,
                ResolvedConfig config, AgentMetering metering) {
            this.metering = metering;
            this.argv = argv;
            this.passthrough = passthrough;
            this.outputCap = outputCap;
            this.workDir = workDir;
            this.prices = prices;
            this.config = config;
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

        private SessionResult runProcess(SessionRequest request, MeteredSession ms) throws IOException, InterruptedException {
            Instant start = Instant.now();
            ProcessBuilder pb = new ProcessBuilder(argv).directory(workDir.toFile());
            Map<String, String> env = pb.environment();
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
            env.putAll(ms.environment());
            if (request.stderrLog() != null) {
                Files.createDirectories(request.stderrLog().getParent());
                pb.redirectError(request.stderrLog().toFile());
            } else {
                pb.redirectError(ProcessBuilder.Redirect.DISCARD);
            }
            Process process;
            try {
                process = pb.start();
            } catch (IOException e) {
                return SessionResult.infrastructure(Outcome.ERROR, "spawn_failed", "cannot start " + argv + ": "
                        + e.getMessage(), 0, Tokens.ZERO, 0, 0);
            }
            Exchange ex = new Exchange(process, request, ms);
            try {
                ex.send(startMessage(request));
            } catch (IOException e) {
                // the agent may exit without reading; its exit and output tell what happened
            }
            request.cancellation().onCancel(() -> ex.sendQuietly(Json.line(Json.object().put("type", "cancel"))));
            Thread reader = new Thread(() -> ex.readAll(process.getInputStream()), "agent-stdout");
            reader.setDaemon(true);
            reader.start();
            boolean exited = false;
            String fault = null;
            Outcome faultOutcome = Outcome.ERROR;
            while (!exited) {
                long left = Duration.between(Instant.now(), request.deadline()).toMillis();
                if (left <= 0) {
                    fault = "session exceeded " + request.limits().timeoutS() + " s: process tree killed";
                    faultOutcome = Outcome.TIMEOUT;
                    break;
                }
                if (ex.problem() != null) {
                    fault = ex.problem();
                    break;
                }
                if (request.cancellation().isCancelled() && ex.cancelSentMillisAgo() > KILL_GRACE_MS) {
                    fault = "cancelled: " + request.cancellation().reason();
                    faultOutcome = Outcome.CANCELLED;
                    break;
                }
                exited = process.waitFor(Math.min(left, 50), TimeUnit.MILLISECONDS);
            }
            if (!exited) {
                killTree(process);
            }
            reader.join(KILL_GRACE_MS);
            long elapsed = Duration.between(start, Instant.now()).toMillis();
            Tokens tokens = Tokens.of(ex.prompt, ex.completion, ex.cached);
            if (fault == null && ex.problem() != null) {
                fault = ex.problem();
            }
            if (fault == null && request.cancellation().isCancelled() && ex.result == null) {
                fault = "cancelled: " + request.cancellation().reason();
                faultOutcome = Outcome.CANCELLED;
            }
            if (fault == null && process.exitValue() != 0) {
                fault = "agent exited with code " + process.exitValue();
            }
            if (fault == null && ex.result == null) {
                fault = "agent exited without a result event";
            }
            if (fault != null) {
                return new SessionResult(faultOutcome, false, null, tokens, ex.calls, ex.steps, elapsed,
                        new ErrorInfo(faultOutcome == Outcome.TIMEOUT ? "timeout" : "agent_error", fault), Json.object(), ex.cost);
            }
            JsonNode r = ex.result;
            boolean success = r.path("success").asBoolean(false);
            Outcome outcome = parseOutcome(r.path("outcome").asText(""), success);
            Double external = r.path("external_score").isNumber() ? r.get("external_score").asDouble() : null;
            ObjectNode metrics = r.get("metrics") instanceof ObjectNode m ? m : Json.object();
            if (r.has("answer")) {
                metrics.set("answer", r.get("answer"));
            }
            return new SessionResult(outcome, success, external, tokens, ex.calls, ex.steps, elapsed, null, metrics, ex.cost);
        }

        static Outcome parseOutcome(String s, boolean success) {
            return switch (s) {
                case "rejected" -> Outcome.REJECTED;
                case "escalated" -> Outcome.ESCALATED;
                case "failure" -> Outcome.FAILURE;
                case "success" -> Outcome.SUCCESS;
                default -> success ? Outcome.SUCCESS : Outcome.FAILURE;
            };
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

        /** SIGTERM to the process and its descendants, then SIGKILL to whatever is left. */
        static void killTree(Process process) throws InterruptedException {
            List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
            tree.add(process.toHandle());
            tree.forEach(ProcessHandle::destroy);
            long end = System.nanoTime() + KILL_GRACE_MS * 1_000_000L;
            for (ProcessHandle h : tree) {
                long left = (end - System.nanoTime()) / 1_000_000L;
                try {
                    h.onExit().get(Math.max(1, left), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    // still running: killed below
                }
            }
            for (ProcessHandle h : tree) {
                h.descendants().forEach(ProcessHandle::destroyForcibly);
                h.destroyForcibly();
            }
            process.waitFor(KILL_GRACE_MS, TimeUnit.MILLISECONDS);
        }

        /** The conversation with one agent process. */
        final class Exchange {
            private final Process process;
            private final SessionRequest request;
            private final OutputStream stdin;
            private final MeteredSession ms;
            private volatile String problem;
            private volatile long cancelSentAt;
            volatile JsonNode result;
            volatile long prompt;
            volatile long completion;
            volatile long cached;
            volatile int calls;
            volatile int steps;
            volatile double cost;

            Exchange(Process process, SessionRequest request, MeteredSession ms) {
                this.ms = ms;
                this.process = process;
                this.request = request;
                this.stdin = process.getOutputStream();
            }

            String problem() {
                return problem;
            }

            long cancelSentMillisAgo() {
                return cancelSentAt == 0 ? Long.MAX_VALUE : (System.nanoTime() - cancelSentAt) / 1_000_000L;
            }

            synchronized void send(String line) throws IOException {
                stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                stdin.flush();
            }

            void sendQuietly(String line) {
                cancelSentAt = System.nanoTime();
                try {
                    send(line);
                } catch (IOException e) {
                    // the agent closed its stdin: the kill after the grace period handles it
                }
            }

            void readAll(InputStream out) {
                long bytes = 0;
                long lineNo = 0;
                try (BufferedReader r = new BufferedReader(new InputStreamReader(out, StandardCharsets.UTF_8), 1 << 16)) {
                    char[] buf = new char[8192];
                    StringBuilder line = new StringBuilder();
                    int n;
                    while ((n = r.read(buf)) != -1) {
                        bytes += n;
                        if (bytes > outputCap) {
                            problem = "agent output exceeded the cap of " + outputCap + " bytes";
                            return;
                        }
                        for (int i = 0; i < n; i++) {
                            char c = buf[i];
                            if (c == '\n') {
                                lineNo++;
                                handle(line.toString(), lineNo);
                                line.setLength(0);
                                if (problem != null) {
                                    return;
                                }
                            } else {
                                line.append(c);
                            }
                        }
                    }
                    if (line.length() > 0) {
                        handle(line.toString(), lineNo + 1);
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
                JsonNode ev;
                try {
                    ev = Json.mapper().readTree(line);
                } catch (IOException e) {
                    problem = "stdout line " + lineNo + ": malformed JSON: "
                            + (line.length() > 60 ? line.substring(0, 60) + "..." : line);
                    return;
                }
                String type = ev.path("type").asText("");
                switch (type) {
                    case "llm_call" -> {
                        long p = ev.path("prompt_tokens").asLong(0);
                        long c = ev.path("completion_tokens").asLong(0);
                        long ca = ev.path("cached_prompt_tokens").asLong(0);
                        prompt += p;
                        completion += c;
                        cached += ca;
                        calls++;
                        String model = ev.path("model").asText(config.modelId());
                        PriceTable.ModelPrice price = prices.price(model).or(() -> prices.price(config.modelId()))
                                .orElse(new PriceTable.ModelPrice(0, 0, 0));
                        cost += price.cost(p, ca, c);
                        double budget = config.params().path("max_cost_per_session_usd").asDouble(Double.MAX_VALUE);
                        if (cost > budget && cancelSentAt == 0) {
                            request.cancellation().cancel("session budget of $" + budget + " exceeded");
                        }
                    }
                    case "step" -> steps++;
                    case "log" -> { }
                    case "result" -> result = ev;
                    default -> problem = "stdout line " + lineNo + ": unknown event type '" + type + "'";
                }
            }
        }
    }
}
