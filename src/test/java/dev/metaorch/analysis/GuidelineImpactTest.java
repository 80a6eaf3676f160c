package dev.metaorch.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.Json;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GuidelineImpactTest {
    static SessionRecord session(int i, String task, String config, List<String> guidelines, boolean success,
            double cost) {
        return new SessionRecord(SessionRecord.SCHEMA, "r/" + config + "/" + i, "r", config, config, "h", "simulated",
                "gpt-4o-mini", new SessionRecord.TaskRef(task, task, task, true, 3), i, 0, i, 1,
                "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", 1000, success ? Outcome.SUCCESS : Outcome.FAILURE,
                success, null, SessionRecord.Tokens.of(1000, 100, 200), 3, cost, "v1", 3, guidelines, null, Json.object());
    }

    static List<SessionRecord> referenceData() throws IOException {
        List<SessionRecord> out = new ArrayList<>();
        try (InputStream in = GuidelineImpactTest.class.getResourceAsStream("/reference/guideline_impact.csv")) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            for (int i = 1; i < lines.length; i++) {
                String[] f = lines[i].split(",");
                List<String> g = new ArrayList<>();
                for (int j = 0; j < 3; j++) {
                    if (f[2 + j].equals("1")) {
                        g.add("g" + (j + 1));
                    }
                }
                out.add(session(i, f[0], f[1], g, f[5].equals("1"), 0.5));
            }
        }
        return out;
    }

    static JsonNode analyse(List<SessionRecord> sessions, Map<String, String> texts) {
        GuidelineImpact impact = new GuidelineImpact();
        sessions.forEach(impact);
        return impact.toJson(texts);
    }

    static JsonNode row(JsonNode out, String hash) {
        for (JsonNode g : out.path("guidelines")) {
            if (g.path("hash").asText().equals(hash)) {
                return g;
            }
        }
        throw new AssertionError("no row " + hash + " in " + out);
    }

    /**
     * Coefficients, homoskedastic and task-clustered (CR1) SEs against an independent numpy fit of
     * the full dummy-variable regression success ~ g1 + g2 + g3 + C(task):
     * src/test/resources/reference/guideline_impact_reference.py (numpy 2.4.6), which also wrote the data.
     */
    @Test
    void matchesTheNumpyDummyVariableRegressionWithClusteredErrors() throws IOException {
        JsonNode out = analyse(referenceData(), Map.of());
        double[] beta = {0.283333333333333, -0.033333333333334, 0.233333333333334};
        double[] seOls = {0.086666666666667, 0.086666666666667, 0.122565175405668};
        double[] seCr1 = {0.085886804631891, 0.087280910577804, 0.079563906790382};
        assertThat(out.path("sessions").asLong()).isEqualTo(240);
        assertThat(out.path("clusters").asInt()).isEqualTo(12);
        for (int i = 0; i < 3; i++) {
            JsonNode g = row(out, "g" + (i + 1));
            assertThat(g.path("status").asText()).isEqualTo("estimated");
            assertThat(g.path("effect").asDouble()).isCloseTo(beta[i], within(1e-12));
            assertThat(g.path("se_ols").asDouble()).isCloseTo(seOls[i], within(1e-12));
            assertThat(g.path("se").asDouble()).isCloseTo(seCr1[i], within(1e-12));
            // t(11) 0.975 quantile = 2.200985160082949 (standard table value; R qt(0.975, 11))
            assertThat(g.path("ci").path(1).asDouble() - g.path("effect").asDouble())
                    .isCloseTo(2.200985160082949 * seCr1[i], within(1e-9));
        }
    }

    @Test
    void resultsDoNotDependOnTheReadOrder() throws IOException {
        List<SessionRecord> data = referenceData();
        String forward = analyse(data, Map.of()).toString();
        Collections.reverse(data);
        assertThat(analyse(data, Map.of()).toString()).isEqualTo(forward);
        Collections.shuffle(data, new java.util.Random(7));
        assertThat(analyse(data, Map.of()).toString()).isEqualTo(forward);
    }

    /** Two configs that swap guidelines: A has only g1, B only g2, so g1 + g2 = 1 in every session. */
    @Test
    void swappedGuidelinesAreNotIdentifiedAndSaySo() {
        List<SessionRecord> data = new ArrayList<>();
        int i = 0;
        for (int t = 0; t < 6; t++) {
            for (int s = 0; s < 4; s++) {
                data.add(session(i++, "t" + t, "A", List.of("g1"), (s + t) % 3 == 0, 0.5));
                data.add(session(i++, "t" + t, "B", List.of("g2"), (s + t) % 2 == 0, 0.25));
            }
        }
        Map<String, String> texts = Map.of("g1", "Verify stock", "g2", "Check coupons");
        JsonNode out = analyse(data, texts);
        for (String h : List.of("g1", "g2")) {
            JsonNode g = row(out, h);
            assertThat(g.path("status").asText()).isEqualTo("not_identified");
            assertThat(g.path("effect").isNull()).isTrue();
            assertThat(g.has("rank")).isFalse();
            assertThat(g.path("note").asText()).isEqualTo("not identified: \"Verify stock\" and \"Check coupons\" are "
                    + "perfectly collinear within tasks (A has only \"Verify stock\", B has only \"Check coupons\"); "
                    + "compare configs that add or remove one of them alone");
            // every session either has it or not, whatever the read order
            assertThat(g.path("sessions_with").asLong() + g.path("sessions_without").asLong()).isEqualTo(48);
        }
        assertThat(out.path("rank").asInt()).isEqualTo(1);
    }

    /**
     * Worked example: A = {g1}, B = {g2}, C = {g1, g3}, balanced in every task. g1 + g2 = 1 in every
     * session (aliased), but C and A differ in g3 alone, so β3 = mean(C) − mean(A) (with a config
     * fixed effect saturated by the three configs, the balanced OLS fit is the difference of means).
     */
    @Test
    void anAliasedPairLeavesAnIdentifiedGuidelineEstimable() {
        List<SessionRecord> data = new ArrayList<>();
        Map<String, int[]> successes = new HashMap<>();
        int i = 0;
        for (int t = 0; t < 8; t++) {
            for (int s = 0; s < 5; s++) {
                boolean a = (s + t) % 4 == 0;
                boolean b = (s * t) % 3 == 1;
                boolean c = (s + 2 * t) % 3 != 0;
                data.add(session(i++, "t" + t, "A", List.of("g1"), a, 0.5));
                data.add(session(i++, "t" + t, "B", List.of("g2"), b, 0.5));
                data.add(session(i++, "t" + t, "C", List.of("g1", "g3"), c, 0.5));
                successes.computeIfAbsent("A", x -> new int[1])[0] += a ? 1 : 0;
                successes.computeIfAbsent("C", x -> new int[1])[0] += c ? 1 : 0;
            }
        }
        JsonNode out = analyse(data, Map.of());
        assertThat(row(out, "g1").path("status").asText()).isEqualTo("not_identified");
        assertThat(row(out, "g2").path("status").asText()).isEqualTo("not_identified");
        JsonNode g3 = row(out, "g3");
        assertThat(g3.path("status").asText()).isEqualTo("estimated");
        assertThat(g3.path("effect").asDouble())
                .isCloseTo((successes.get("C")[0] - successes.get("A")[0]) / 40.0, within(1e-12));
        assertThat(g3.path("rank").asInt()).isEqualTo(1);
    }
}
