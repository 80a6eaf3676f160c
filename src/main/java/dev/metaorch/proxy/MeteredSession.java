package dev.metaorch.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.AtomicFiles;
import dev.metaorch.common.Json;
import dev.metaorch.session.SessionRecord.Tokens;
import dev.metaorch.variant.SessionResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One session attempt as metered: the environment the agent gets, its stdout lines (for the
 * transcript and to compare its own {@code llm_call} reports with the proxy), and at the end
 * the result with the proxy's figures merged in.
 * <p>Merge rule: when the proxy metered any call, the session's tokens, LLM calls and cost are
 * the proxy's (the agent's {@code llm_call} reports are only compared, and a mismatch is a
 * warning in the transcript and {@code metrics.llm_proxy.mismatch}); when it metered none,
 * the agent's reports stand (an agent that calls a non-OpenAI API).
 */
public final class MeteredSession implements AutoCloseable {
    private final AgentMetering metering;
    private final ProxySession proxySession;
    private final Transcript transcript;
    private final Path transcriptFile;
    private final Path recordingFile;
    private final Map<String, String> environment;
    private long reportedCalls;
    private long reportedPrompt;
    private long reportedCompletion;
    private boolean finished;

    MeteredSession(AgentMetering metering, ProxySession proxySession, Transcript transcript, Path transcriptFile,
            Path recordingFile, Map<String, String> environment) {
        this.metering = metering;
        this.proxySession = proxySession;
        this.transcript = transcript;
        this.transcriptFile = transcriptFile;
        this.recordingFile = recordingFile;
        this.environment = environment;
    }

    /** Variables to add to the agent's environment (they replace any passed-through value). */
    public Map<String, String> environment() {
        return environment;
    }

    /** The transcript file, when the run has a folder. */
    public Path transcriptFile() {
        return transcriptFile;
    }

    /** One line of the agent's stdout, numbered from 1. */
    public synchronized void agentLine(long lineNo, String line) {
        if (line.isBlank()) {
            return;
        }
        transcript.agentLine(lineNo, line);
        try {
            JsonNode ev = Json.mapper().readTree(line);
            if (ev != null && "llm_call".equals(ev.path("type").asText())) {
                reportedCalls++;
                reportedPrompt += ev.path("prompt_tokens").asLong(0);
                reportedCompletion += ev.path("completion_tokens").asLong(0);
            }
        } catch (IOException e) {
            // malformed: the protocol check reports it
        }
    }

    /**
     * Ends the attempt: closes its proxy token (waiting briefly for calls in flight), merges the
     * metered figures into {@code r}, writes the transcript (and recording). Idempotent.
     */
    public synchronized SessionResult finish(SessionResult r) throws InterruptedException {
        if (finished) {
            return r;
        }
        finished = true;
        ProxySession.Closed closed = proxySession == null ? new ProxySession.Closed(List.of(), List.of(), null)
                : metering.rawProxy().close(proxySession, AgentMetering.GRACE_MS);
        List<LlmCall> calls = closed.calls();
        closed.warnings().forEach(transcript::warning);
        Usage metered = Usage.ZERO;
        BigDecimal cost = BigDecimal.ZERO;
        int ok = 0;
        int refused = 0;
        int failed = 0;
        for (LlmCall c : calls) {
            metered = metered.plus(c.usage());
            cost = cost.add(c.costUsd());
            if (c.error() == null) {
                ok++;
            } else if (c.error().endsWith("_budget")) {
                refused++;
            } else {
                failed++;
            }
        }
        boolean byProxy = !calls.isEmpty();
        String mismatch = null;
        if (proxySession != null && reportedCalls > 0 && (reportedCalls != ok || reportedPrompt != metered.promptTokens()
                || reportedCompletion != metered.completionTokens())) {
            mismatch = "the agent reported " + reportedCalls + " llm_call events (" + reportedPrompt + " prompt, "
                    + reportedCompletion + " completion tokens); the proxy metered " + ok + " calls ("
                    + metered.promptTokens() + " prompt, " + metered.completionTokens() + " completion tokens)"
                    + (ok == 0 ? ": does the agent use OPENAI_BASE_URL?" : "; the proxy's figures count");
            transcript.warning(mismatch);
        }
        SessionResult merged = r;
        if (r != null && byProxy) {
            ObjectNode metrics = r.metrics() == null ? Json.object() : r.metrics();
            ObjectNode p = metrics.putObject("llm_proxy");
            p.put("calls", calls.size()).put("ok", ok).put("refused", refused).put("failed", failed)
                    .put("cost_usd", cost).put("agent_reported_calls", reportedCalls);
            if (mismatch != null) {
                p.put("mismatch", mismatch);
            }
            merged = new SessionResult(r.outcome(), r.success(), r.externalScore(),
                    Tokens.of(metered.promptTokens(), metered.completionTokens(), metered.cachedPromptTokens()), ok,
                    r.steps(), r.latencyMs(), r.error(), metrics, cost.doubleValue());
        } else if (r != null && mismatch != null) {
            ObjectNode metrics = r.metrics() == null ? Json.object() : r.metrics();
            metrics.putObject("llm_proxy").put("calls", 0).put("agent_reported_calls", reportedCalls).put("mismatch", mismatch);
            merged = new SessionResult(r.outcome(), r.success(), r.externalScore(), r.tokens(), r.llmCalls(), r.steps(),
                    r.latencyMs(), r.error(), metrics, r.costUsd());
        }
        if (transcriptFile != null) {
            try {
                Transcript.write(transcriptFile, transcript.entries(calls, end(merged, cost, byProxy)));
                if (recordingFile != null && closed.recording() != null) {
                    StringBuilder sb = new StringBuilder();
                    closed.recording().forEach(c -> sb.append(Json.line(c)).append('\n'));
                    Files.createDirectories(recordingFile.getParent());
                    AtomicFiles.write(recordingFile, sb.toString().getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the transcript " + transcriptFile, e);
            }
        }
        return merged;
    }

    private TranscriptEntry.End end(SessionResult r, BigDecimal proxyCost, boolean byProxy) {
        if (r == null) {
            return new TranscriptEntry.End(null, false, 0, 0, 0, 0, 0, proxyCost, byProxy ? "proxy" : "agent",
                    "no result", null);
        }
        Tokens t = r.tokens() == null ? Tokens.ZERO : r.tokens();
        BigDecimal cost = byProxy ? proxyCost
                : r.costUsd() != null ? BigDecimal.valueOf(r.costUsd()) : agentCost(t);
        JsonNode answer = r.metrics() == null ? null : r.metrics().get("answer");
        return new TranscriptEntry.End(r.outcome().label(), r.success(), t.prompt(), t.cachedPrompt(), t.completion(),
                r.llmCalls(), r.steps(), cost, byProxy ? "proxy" : "agent",
                r.error() == null ? null : r.error().type() + ": " + r.error().message(), answer);
    }

    private BigDecimal agentCost(Tokens t) {
        Pricing p = metering.pricing();
        return p.cost(p.pricedModel(null, null), new Usage(t.prompt(), t.cachedPrompt(), t.completion()));
    }

    /** Releases the token when {@link #finish} was never reached (the variant threw). */
    @Override
    public void close() throws InterruptedException {
        if (!finished) {
            finish(null);
        }
    }
}
