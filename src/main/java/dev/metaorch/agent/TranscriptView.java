package dev.metaorch.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.common.SafeIds;
import dev.metaorch.proxy.LlmCall;
import dev.metaorch.proxy.Transcript;
import dev.metaorch.proxy.TranscriptEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Finds a session's transcript in a results folder and renders it as readable text. */
public final class TranscriptView {
    private TranscriptView() {
    }

    /**
     * The transcript file of {@code sessionId} ({@code <run-id>/<arm>/<pair>}): the given attempt,
     * else the latest one kept.
     */
    public static Path locate(Path results, String sessionId, Integer attempt) throws IOException {
        String[] parts = sessionId.split("/");
        if (parts.length < 3) {
            throw MetaorchException.invalidInput("SESSION_ID: expected <run-id>/<arm>/<pair>, got '" + sessionId + "'");
        }
        for (String p : parts) {
            SafeIds.require("session id part", p);
        }
        Path runDir = results.resolve("runs").resolve(parts[0]);
        if (attempt != null) {
            Path f = Transcript.file(runDir, sessionId, attempt);
            if (!Files.isRegularFile(f)) {
                throw MetaorchException.invalidInput(f + ": no transcript of " + sessionId + " attempt " + attempt);
            }
            return f;
        }
        Path dir = runDir.resolve("transcripts");
        String prefix = sessionId.replace('/', '_') + ".a";
        if (!Files.isDirectory(dir)) {
            throw MetaorchException.invalidInput(dir + ": no transcripts (is '" + parts[0] + "' a run in " + results + "?)");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(prefix) && n.endsWith(".jsonl") && n.substring(prefix.length(), n.length() - 6).matches("\\d+");
            }).max((a, b) -> Integer.compare(attemptOf(a, prefix), attemptOf(b, prefix)))
                    .orElseThrow(() -> MetaorchException.invalidInput(dir + ": no transcript of " + sessionId));
        }
    }

    private static int attemptOf(Path p, String prefix) {
        String n = p.getFileName().toString();
        return Integer.parseInt(n.substring(prefix.length(), n.length() - 6));
    }

    /** Readable lines: the start, each agent event as parsed, each metered LLM call, warnings, the end. */
    public static List<String> render(List<TranscriptEntry> entries) {
        List<String> out = new ArrayList<>();
        for (TranscriptEntry e : entries) {
            switch (e.kind()) {
                case START -> out.add(String.format(Locale.ROOT, "session %s  attempt %d  task %s  model %s  proxy %s",
                        e.sessionId(), e.attempt(), e.taskId(), e.model(), Boolean.TRUE.equals(e.proxy()) ? "on" : "off"));
                case AGENT -> out.add(String.format(Locale.ROOT, "  line %-4d %s", e.line(), agent(e)));
                case LLM -> out.add("  llm  #" + llm(e.call()));
                case WARNING -> out.add("  warning: " + e.message());
                case TRUNCATED -> out.add("  (" + e.dropped() + " entries left out: the transcript's size bound)");
                case END -> out.add(end(e.end()));
                default -> { }
            }
        }
        return out;
    }

    private static String agent(TranscriptEntry e) {
        if (e.raw() != null) {
            return "(not JSON) " + e.raw();
        }
        JsonNode ev = e.event();
        String type = ev.path("type").asText("?");
        return switch (type) {
            case "step" -> String.format(Locale.ROOT, "step %s  tool %s  %s", ev.path("n").asText("-"),
                    ev.path("tool").asText("-"), ev.path("ok").asBoolean(true) ? "ok" : "failed");
            case "llm_call" -> String.format(Locale.ROOT, "llm_call (reported by the agent)  %s  %d prompt (%d cached) + %d completion tokens",
                    ev.path("model").asText("-"), ev.path("prompt_tokens").asLong(), ev.path("cached_prompt_tokens").asLong(),
                    ev.path("completion_tokens").asLong());
            case "log" -> "log " + ev.path("level").asText("info") + ": " + ev.path("msg").asText();
            case "result" -> "result  success " + ev.path("success") + "  outcome " + ev.path("outcome").asText("-")
                    + (ev.has("answer") ? "  answer " + ev.get("answer") : "");
            default -> ev.toString();
        };
    }

    private static String llm(LlmCall c) {
        return String.format(Locale.ROOT, "%d %s  %s  HTTP %d%s  %d prompt (%d cached) + %d completion tokens  $%s%s", c.seq(),
                c.path(), c.responseModel() != null ? c.responseModel() : c.requestModel(), c.status(), c.stream() ? " (stream)" : "",
                c.promptTokens(), c.cachedPromptTokens(), c.completionTokens(), c.costUsd().toPlainString(),
                c.error() == null ? "" : "  [" + c.error() + "]");
    }

    private static String end(TranscriptEntry.End e) {
        return String.format(Locale.ROOT, "end: %s  %d steps  %d LLM calls  %d prompt (%d cached) + %d completion tokens  "
                + "$%s (metered by the %s)%s%s", e.outcome(), e.steps(), e.llmCalls(), e.promptTokens(), e.cachedPromptTokens(),
                e.completionTokens(), e.costUsd() == null ? "0" : e.costUsd().toPlainString(), e.meteredBy(),
                e.error() == null ? "" : "  error " + e.error(), e.answer() == null ? "" : "  answer " + e.answer());
    }
}
