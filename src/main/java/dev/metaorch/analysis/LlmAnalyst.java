package dev.metaorch.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.AtomicFiles;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.config.ConfigLoader;
import dev.metaorch.config.PriceTable;
import dev.metaorch.config.ResolvedConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * LLM-assisted analysis (seed 001, Phase 3), off unless asked. Sends the failure templates,
 * flipped tasks and guideline statistics — aggregates only, never raw session content or
 * secrets — to an OpenAI-compatible chat-completions endpoint, asks for root-cause hypotheses
 * and new guidelines as JSON, validates the answer, stores it, prices its own token use, and
 * turns each suggestion into a ready-to-run child config of the analysed config.
 */
public final class LlmAnalyst {
    /** Where and how to call the model. The key is passed in from the environment, never from a file. */
    public record Endpoint(String baseUrl, String model, String apiKey, Duration timeout, int maxAttempts) {
    }

    /** The outcome: the stored file, the suggested config files, tokens and cost. */
    public record Outcome(Path stored, List<Path> suggestedConfigs, long promptTokens, long completionTokens, double costUsd,
            ObjectNode answer) {
    }

    static final String SYSTEM = "You analyse experiments on an LLM agent. From the aggregate statistics you are given, "
            + "propose root-cause hypotheses for the failures and new prompt guidelines that would fix them. Answer with "
            + "one JSON object: {\"hypotheses\":[{\"root_cause\":string,\"evidence\":string}],\"suggestions\":"
            + "[{\"guideline\":string,\"rationale\":string,\"target_tasks\":[string],\"expected_improvement\":number}]}. "
            + "Guidelines are single imperative sentences of at most 300 characters.";

    private final HttpClient client;
    private final Consumer<String> log;

    public LlmAnalyst(Consumer<String> log) {
        this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        this.log = log;
    }

    /** The user message: the evidence, as compact JSON. */
    public static String evidence(ResolvedConfig base, JsonNode errors, JsonNode impact, JsonNode flipped) {
        ObjectNode e = Json.object();
        e.put("analysed_config", base.experimentId()).put("model", base.modelId());
        e.set("current_guidelines", Json.tree(base.guidelines()));
        ArrayNode templates = e.putArray("failure_templates");
        int n = 0;
        for (JsonNode t : errors.path("templates")) {
            if (n++ >= 15) {
                break;
            }
            templates.addObject().put("template", t.path("template").asText()).put("count", t.path("count").asLong())
                    .set("by_config", t.path("by_config"));
        }
        e.set("systematic_issues", errors.path("systematic_issues"));
        ArrayNode g = e.putArray("guideline_effects");
        for (JsonNode x : impact.path("guidelines")) {
            g.addObject().put("text", x.path("text").asText()).put("status", x.path("status").asText())
                    .set("effect", x.path("effect"));
        }
        if (flipped != null) {
            e.set("flipped_tasks", flipped);
        }
        return Json.line(e);
    }

    public Outcome analyse(Endpoint endpoint, ResolvedConfig base, String evidence, Path storeDir, Path suggestDir,
            PriceTable prices) throws IOException {
        ObjectNode body = Json.object();
        body.put("model", endpoint.model()).put("temperature", 0);
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", SYSTEM);
        messages.addObject().put("role", "user").put("content", evidence);
        body.putObject("response_format").put("type", "json_object");
        JsonNode response = post(endpoint, Json.line(body));
        String content = response.at("/choices/0/message/content").asText(null);
        long prompt = response.at("/usage/prompt_tokens").asLong(0);
        long completion = response.at("/usage/completion_tokens").asLong(0);
        double cost = prices == null ? 0 : prices.price(endpoint.model()).map(p -> p.cost(prompt, 0, completion)).orElse(0.0);
        ObjectNode stored = Json.object();
        stored.put("model", endpoint.model()).put("endpoint", endpoint.baseUrl()).put("analysed_config", base.experimentId())
                .put("prompt_tokens", prompt).put("completion_tokens", completion).put("cost_usd", cost)
                .put("evidence", evidence).put("raw_answer", content);
        Path file = storeDir.resolve("llm_analysis-" + System.currentTimeMillis() + ".json");
        ObjectNode answer;
        try {
            answer = validate(content);
        } catch (MetaorchException e) {
            stored.put("error", e.getMessage());
            AtomicFiles.writeJson(file, stored);
            throw MetaorchException.runtime("the model's answer is not valid: " + e.getMessage() + " (raw answer kept in "
                    + file + ")");
        }
        stored.set("answer", answer);
        List<Path> suggested = writeSuggestions(base, answer, suggestDir);
        stored.set("suggested_configs", Json.tree(suggested.stream().map(Path::toString).toList()));
        AtomicFiles.writeJson(file, stored);
        return new Outcome(file, suggested, prompt, completion, cost, answer);
    }

    private JsonNode post(Endpoint endpoint, String body) throws IOException {
        URI uri = URI.create(endpoint.baseUrl().replaceAll("/+$", "") + "/chat/completions");
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(endpoint.timeout())
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + endpoint.apiKey())
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> r;
            try {
                r = client.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (HttpTimeoutException e) {
                throw MetaorchException.runtime("LLM request to " + uri + " timed out after " + endpoint.timeout().toSeconds()
                        + " s");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw MetaorchException.runtime("LLM request interrupted");
            } catch (IOException e) {
                throw MetaorchException.runtime("LLM request to " + uri + " failed: " + e.getMessage(), e);
            }
            int status = r.statusCode();
            if (status == 200) {
                try {
                    return Json.mapper().readTree(r.body());
                } catch (IOException e) {
                    throw MetaorchException.runtime("LLM endpoint returned a body that is not JSON");
                }
            }
            boolean retry = status == 429 || status >= 500;
            if (!retry || attempt >= endpoint.maxAttempts()) {
                throw MetaorchException.runtime("LLM endpoint answered HTTP " + status + (retry ? " after " + attempt
                        + " attempts" : "") + ": " + abbreviate(r.body()));
            }
            long waitMs = r.headers().firstValue("Retry-After").map(LlmAnalyst::retryAfterMillis).orElse(1000L << attempt);
            log.accept("LLM endpoint answered HTTP " + status + "; retrying in " + waitMs + " ms (attempt " + (attempt + 1)
                    + " of " + endpoint.maxAttempts() + ")");
            try {
                Thread.sleep(Math.min(waitMs, 60_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw MetaorchException.runtime("LLM request interrupted");
            }
        }
    }

    static long retryAfterMillis(String header) {
        try {
            return Math.max(0, Long.parseLong(header.trim())) * 1000;
        } catch (NumberFormatException e) {
            return 1000;
        }
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    /** Checks the answer's shape; returns it as a JSON object. */
    static ObjectNode validate(String content) {
        if (content == null) {
            throw MetaorchException.invalidInput("no message content in the response");
        }
        JsonNode n;
        try {
            n = Json.mapper().readTree(content);
        } catch (IOException e) {
            throw MetaorchException.invalidInput("content is not JSON: " + abbreviate(content));
        }
        List<String> problems = new ArrayList<>();
        if (!(n instanceof ObjectNode o)) {
            throw MetaorchException.invalidInput("content is not a JSON object");
        }
        if (!o.path("hypotheses").isArray()) {
            problems.add("/hypotheses: expected an array");
        }
        if (!o.path("suggestions").isArray() || o.path("suggestions").isEmpty()) {
            problems.add("/suggestions: expected a non-empty array");
        }
        for (int i = 0; i < o.path("suggestions").size(); i++) {
            JsonNode s = o.path("suggestions").get(i);
            String g = s.path("guideline").asText("");
            if (!s.path("guideline").isTextual() || g.isBlank() || g.length() > 500) {
                problems.add("/suggestions/" + i + "/guideline: expected a non-empty string of at most 500 characters");
            }
            if (s.has("expected_improvement") && !s.get("expected_improvement").isNumber()) {
                problems.add("/suggestions/" + i + "/expected_improvement: expected a number");
            }
        }
        if (!problems.isEmpty()) {
            throw MetaorchException.invalidInput(String.join("; ", problems));
        }
        return o;
    }

    /** One child config per suggestion: parent = the analysed config, the new guideline added. */
    static List<Path> writeSuggestions(ResolvedConfig base, ObjectNode answer, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        Path parentFile = base.file().toAbsolutePath().normalize();
        String parentRef = dir.toAbsolutePath().normalize().relativize(parentFile).toString();
        int i = 0;
        for (JsonNode s : answer.path("suggestions")) {
            i++;
            String id = base.experimentId() + "-s" + i;
            ObjectNode c = Json.object();
            c.put("schema_version", 1).put("experiment_id", id).put("parent", parentRef)
                    .put("description", "LLM suggestion: " + s.path("rationale").asText(s.path("guideline").asText()));
            ArrayNode g = c.putArray("guidelines");
            base.guidelines().forEach(g::add);
            g.add(s.path("guideline").asText());
            ObjectNode h = c.putObject("hypothesis");
            h.put("id", "h_" + id).put("description", s.path("rationale").asText("")).put("guideline", s.path("guideline").asText())
                    .put("metric", "success").put("method", "SPRT");
            if (s.path("expected_improvement").isNumber()) {
                h.put("expected_improvement", s.path("expected_improvement").asDouble());
            }
            Path file = dir.resolve(id + ".json");
            AtomicFiles.writeJson(file, c);
            new ConfigLoader().load(file);
            out.add(file);
        }
        return out;
    }
}
