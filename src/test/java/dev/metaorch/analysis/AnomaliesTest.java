package dev.metaorch.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.Json;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AnomaliesTest {
    static SessionRecord session(String config, int i, long tokens, long latencyMs, int steps) {
        return new SessionRecord(SessionRecord.SCHEMA, "r/" + config + "/" + i, "r", config, config, "h", "simulated", "m",
                new SessionRecord.TaskRef("t", "t", "t", true, 3), i, 0, i, 1, "2026-01-01T00:00:00Z",
                "2026-01-01T00:00:01Z", latencyMs, Outcome.SUCCESS, true, null,
                SessionRecord.Tokens.of(tokens - tokens / 10, tokens / 10, 0), 1, 0.001, "v1", steps, List.of(), null,
                Json.object());
    }

    /**
     * Seeded Monte Carlo: 5 configs x 480 clean sessions with right-skewed (lognormal, sigma 0.8)
     * tokens and latency and geometric-like steps. On the log scale a clean session exceeds |z| 3.5
     * with probability 2 (1 - Phi(3.5)) = 4.7e-4 per metric (Phi from any normal table), so about
     * 0.14% of sessions; the bar is at most 1% flagged. Five sessions planted at 200x the median
     * tokens are all flagged, and count = listed + not listed.
     */
    @Test
    void cleanSkewedDataIsRarelyFlaggedAndPlantedRunawaysAre() {
        Random rnd = new Random(133);
        List<SessionRecord> data = new ArrayList<>();
        for (int c = 0; c < 5; c++) {
            for (int i = 0; i < 480; i++) {
                data.add(session("c" + c, i, (long) (30_000 * Math.exp(0.8 * rnd.nextGaussian())),
                        (long) (14_000 * Math.exp(0.6 * rnd.nextGaussian())), 3 + (int) (-6 * Math.log(1 - rnd.nextDouble()))));
            }
        }
        Anomalies clean = new Anomalies(3.5);
        data.forEach(clean);
        JsonNode out = clean.toJson(50);
        assertThat(out.path("sessions").asLong()).isEqualTo(2400);
        assertThat(out.path("count").asInt()).isLessThanOrEqualTo(24);
        for (int i = 0; i < 5; i++) {
            data.add(session("c" + i, 1000 + i, 6_000_000, 14_000, 9));
        }
        Anomalies planted = new Anomalies(3.5);
        data.forEach(planted);
        JsonNode p = planted.toJson(3);
        List<String> ids = new ArrayList<>();
        Anomalies all = new Anomalies(3.5);
        data.forEach(all);
        all.toJson(1000).path("anomalies").forEach(a -> ids.add(a.path("session_id").asText()));
        for (int i = 0; i < 5; i++) {
            assertThat(ids).contains("r/c" + i + "/" + (1000 + i));
        }
        assertThat(p.path("listed").asInt()).isEqualTo(3);
        assertThat(p.path("not_listed").asInt()).isEqualTo(p.path("count").asInt() - 3);
        assertThat(p.path("anomalies").get(0).path("reason").asText()).contains("robust SDs (log scale)");
    }
}
