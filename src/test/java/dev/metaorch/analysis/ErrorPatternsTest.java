package dev.metaorch.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

class ErrorPatternsTest {
    static final List<String> WORDS = List.of("strong", "borderline", "apple", "banana", "cherry", "damson", "elder", "fig",
            "grape", "hazel");

    static SessionRecord session(String arm, int i, List<String> messages) {
        ObjectNode m = Json.object();
        messages.forEach(m.putArray("error_messages")::add);
        return new SessionRecord(SessionRecord.SCHEMA, "r/" + arm + "/" + i, "r", arm, arm, "h", "simulated", "m",
                new SessionRecord.TaskRef("t", "t", "t", true, 3), i, 0, i, 1, "2026-01-01T00:00:00Z",
                "2026-01-01T00:00:01Z", 1000, Outcome.FAILURE, false, null, SessionRecord.Tokens.of(100, 10, 0), 1, 0.001,
                "v1", 3, List.of(), null, m);
    }

    /**
     * Ten templates, 100 sessions per arm. "strong" is in 30 test and 2 control sessions;
     * "borderline" in 8 and 1 (one-sided Fisher p < 0.05: a systematic issue under the old
     * uncorrected rule); the other eight in 5 and 5. With Benjamini–Hochberg over the 10 templates
     * the borderline one (q = 5 p, as the second smallest of ten) is no longer listed, and the
     * strong one's q is 10 p (worked from the BH definition, see BenjaminiHochbergTest).
     */
    @Test
    void systematicIssuesAreCorrectedForTheNumberOfTemplates() {
        ErrorPatterns e = new ErrorPatterns(0.5);
        int[][] counts = new int[10][2];
        counts[0] = new int[] {30, 2};
        counts[1] = new int[] {8, 1};
        for (int k = 2; k < 10; k++) {
            counts[k] = new int[] {5, 5};
        }
        for (int i = 0; i < 100; i++) {
            for (int a = 0; a < 2; a++) {
                List<String> msgs = new java.util.ArrayList<>();
                for (int k = 0; k < 10; k++) {
                    if (i < counts[k][a]) {
                        msgs.add(WORDS.get(k) + " broke");
                    }
                }
                e.accept(session(a == 0 ? "test" : "control", i, msgs));
            }
        }
        double pStrong = ErrorPatterns.fisherGreater(30, 100, 2, 100);
        double pBorder = ErrorPatterns.fisherGreater(8, 100, 1, 100);
        assertThat(pBorder).isLessThan(0.05).isGreaterThan(0.01);
        JsonNode issues = e.toJson().path("systematic_issues");
        assertThat(issues).hasSize(1);
        assertThat(issues.get(0).path("template").asText()).isEqualTo("strong broke");
        assertThat(issues.get(0).path("q_value").asDouble()).isCloseTo(10 * pStrong, within(1e-15));
    }
}
