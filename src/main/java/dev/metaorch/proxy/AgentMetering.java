package dev.metaorch.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.config.ResolvedConfig;
import dev.metaorch.variant.SessionRequest;
import dev.metaorch.variant.VariantContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

/**
 * What the {@code process} variant of one arm uses for metering and transcripts: the arm's
 * metering proxy (unless {@code params.llm_proxy} is false) and where its transcripts and
 * recordings go (beside the run's {@code logs/}).
 * <p>Settings, all optional: {@code params.llm_proxy} (default true);
 * {@code params.llm_upstream_url} (default: metaorch's {@code OPENAI_BASE_URL}, else
 * {@code https://api.openai.com/v1}); {@code params.llm_upstream_key_env} (the variable of
 * metaorch's environment holding the real key, default {@code OPENAI_API_KEY});
 * {@code params.llm_record} (keep request/response pairs); {@code params.llm_replay} (a
 * recording to replay instead of calling the upstream); {@code params.transcript_max_bytes};
 * {@code run.max_cost_per_session_usd}.
 */
public final class AgentMetering implements AutoCloseable {
    /** How long a finished session waits for its calls still in flight. */
    static final long GRACE_MS = 2000;

    private final MeteringProxy proxy;
    private final Pricing pricing;
    private final Path runDir;
    private final boolean record;
    private final BigDecimal capUsd;
    private final long maxTranscriptBytes;
    private final String model;

    private AgentMetering(MeteringProxy proxy, Pricing pricing, Path runDir, boolean record, BigDecimal capUsd,
            long maxTranscriptBytes, String model) {
        this.proxy = proxy;
        this.pricing = pricing;
        this.runDir = runDir;
        this.record = record;
        this.capUsd = capUsd;
        this.maxTranscriptBytes = maxTranscriptBytes;
        this.model = model;
    }

    /** Reads the arm's settings and starts its proxy; metaorch's own environment supplies the real endpoint. */
    public static AgentMetering create(VariantContext context) {
        return create(context, System::getenv);
    }

    static AgentMetering create(VariantContext context, Function<String, String> env) {
        ResolvedConfig config = context.config();
        JsonNode params = config.params();
        Pricing pricing = new Pricing(context.prices(), config.modelId());
        Path logs = context.logDir() == null ? null : context.logDir().toAbsolutePath();
        // a run's logs/ sits in its run folder; any other log folder keeps the transcripts itself
        Path runDir = logs == null ? null : logs.getFileName().toString().equals("logs") ? logs.getParent() : logs;
        JsonNode capNode = config.tree().path("run").path("max_cost_per_session_usd");
        BigDecimal cap = capNode.isNumber() ? capNode.decimalValue() : null;
        long maxBytes = params.path("transcript_max_bytes").asLong(Transcript.DEFAULT_MAX_BYTES);
        boolean on = params.path("llm_proxy").asBoolean(true);
        MeteringProxy proxy = null;
        if (on) {
            try {
                if (params.hasNonNull("llm_replay")) {
                    proxy = MeteringProxy.replay(Path.of(params.path("llm_replay").asText()), pricing);
                } else {
                    String url = params.path("llm_upstream_url").asText("");
                    if (url.isEmpty()) {
                        String fromEnv = env.apply("OPENAI_BASE_URL");
                        url = fromEnv == null || fromEnv.isBlank() ? "https://api.openai.com/v1" : fromEnv;
                    }
                    URI base;
                    try {
                        base = URI.create(url);
                    } catch (IllegalArgumentException e) {
                        throw MetaorchException.invalidInput(config.sourceOf("/params/llm_upstream_url")
                                + ": /params/llm_upstream_url: not a URL: " + url);
                    }
                    String keyVar = params.path("llm_upstream_key_env").asText("OPENAI_API_KEY");
                    proxy = MeteringProxy.start(base, env.apply(keyVar), pricing);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the metering LLM proxy", e);
            }
        }
        return new AgentMetering(proxy, pricing, runDir, params.path("llm_record").asBoolean(false), cap, maxBytes,
                config.modelId());
    }

    /** The proxy, when on. */
    public java.util.Optional<MeteringProxy> proxy() {
        return java.util.Optional.ofNullable(proxy);
    }

    /** Connects the run's budget to the proxy (no effect when the proxy is off). */
    public void spendGuard(SpendGuard guard) {
        if (proxy != null) {
            proxy.spendGuard(guard);
        }
    }

    /** Starts metering one session attempt: registers its token and opens its transcript. */
    public MeteredSession open(SessionRequest request) {
        ProxySession ps = proxy == null ? null
                : proxy.open(request.sessionId(), request.cancellation(), capUsd, request.deadline(), record);
        Transcript t = new Transcript(TranscriptEntry.start(request.sessionId(), request.attempt(), request.task().id(),
                model, proxy != null), maxTranscriptBytes);
        Path tFile = runDir == null ? null : Transcript.file(runDir, request.sessionId(), request.attempt());
        Path rFile = runDir == null || !record ? null
                : runDir.resolve("recordings").resolve(request.sessionId().replace('/', '_') + ".a" + request.attempt() + ".jsonl");
        Map<String, String> env = proxy == null ? Map.of()
                : Map.of("OPENAI_BASE_URL", proxy.baseUrl().toString(), "OPENAI_API_BASE", proxy.baseUrl().toString(),
                        "OPENAI_API_KEY", ps.token);
        return new MeteredSession(this, ps, t, tFile, rFile, env);
    }

    MeteringProxy rawProxy() {
        return proxy;
    }

    Pricing pricing() {
        return pricing;
    }

    @Override
    public void close() {
        if (proxy != null) {
            proxy.close();
        }
    }
}
