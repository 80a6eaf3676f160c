package dev.metaorch.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Serves a recorded session's answers in order, without calling any endpoint (and so without
 * paying). A request that differs from the recorded one is answered all the same and noted in
 * the transcript as a divergence; a call beyond the recording gets HTTP 410.
 */
final class ReplayUpstream implements Upstream {
    private final Path file;
    private final List<RecordedCall> calls;

    ReplayUpstream(Path file) {
        this.file = file;
        this.calls = read(file);
    }

    static List<RecordedCall> read(Path file) {
        List<RecordedCall> out = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                try {
                    out.add(Json.mapper().readValue(lines.get(i), RecordedCall.class));
                } catch (IOException e) {
                    throw MetaorchException.invalidInput(file + ": line " + (i + 1) + ": not a recorded call");
                }
            }
        } catch (IOException e) {
            throw MetaorchException.invalidInput(file + ": cannot read the recording: " + e.getMessage());
        }
        return out;
    }

    @Override
    public String describe() {
        return "replay of " + file;
    }

    @Override
    public Response send(ProxySession session, int seq, String method, String pathAndQuery,
            Map<String, List<String>> headers, byte[] body, Duration timeout) {
        if (seq > calls.size()) {
            session.warning("replay: call " + seq + " is beyond the recording (" + calls.size() + " calls)");
            byte[] err = MeteringProxy.errorBody("replay: the recording has no call " + seq, "replay_exhausted",
                    "replay_exhausted");
            return new Response(410, Map.of("Content-Type", List.of("application/json")), new ByteArrayInputStream(err));
        }
        RecordedCall rc = calls.get(seq - 1);
        JsonNode now = MeteringProxy.requestNode(body);
        if (!rc.path().equals(pathAndQuery) || !rc.request().equals(now)) {
            session.warning("replay: request " + seq + " differs from the recording");
        }
        return new Response(rc.status(), Map.of("Content-Type", List.of(rc.contentType())),
                new ByteArrayInputStream(rc.response().getBytes(StandardCharsets.UTF_8)));
    }
}
