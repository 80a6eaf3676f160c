package dev.metaorch.pareto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ParetoTest {
    /** The analysis issue's reference fixture: (name, cost, successes, runs). Point front: {A, E, G, H, I, M}. */
    static List<ParetoPoint> fixture() {
        return List.of(new ParetoPoint("A", 1.0, 45, 100), new ParetoPoint("B", 2.0, 60, 100),
                new ParetoPoint("C", 2.0, 55, 100), new ParetoPoint("D", 3.0, 60, 100), new ParetoPoint("E", 4.0, 80, 100),
                new ParetoPoint("F", 5.0, 79, 100), new ParetoPoint("G", 0.5, 20, 100), new ParetoPoint("H", 4.0, 80, 100),
                new ParetoPoint("I", 6.0, 81, 100), new ParetoPoint("J", 2.5, 62, 100), new ParetoPoint("K", 5.0, 40, 100),
                new ParetoPoint("L", 3.0, 48, 100), new ParetoPoint("M", 1.5, 9, 12));
    }

    @Test
    void fixtureGivesTheStatedFront() {
        List<ParetoPoint> pts = fixture();
        assertThat(ParetoFront.names(pts, ParetoFront.sweep(pts))).containsExactlyInAnyOrder("A", "E", "G", "H", "I", "M");
        assertThat(ParetoFront.names(pts, ParetoFront.naive(pts))).containsExactlyInAnyOrder("A", "E", "G", "H", "I", "M");
    }

    @Test
    void sweepAgreesWithTheOracleOnTieHeavyInstances() {
        SplittableRandom rng = new SplittableRandom(2026);
        for (int instance = 0; instance < 1000; instance++) {
            int n = 1 + rng.nextInt(40);
            List<ParetoPoint> pts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                // few distinct costs and rates: many exact ties and duplicates
                pts.add(new ParetoPoint("p" + i, rng.nextInt(6) * 0.5, rng.nextInt(5), 4));
            }
            assertThat(ParetoFront.sweep(pts)).as("instance %d: %s", instance, pts).containsExactly(ParetoFront.naive(pts));
        }
    }

    @Test
    void labelsIntervalsProbabilitiesAndMinSuccess() {
        JsonNode a = ParetoAnalysis.analyse(fixture(), 0.8, 4000, 7);
        JsonNode e = point(a, "E");
        // Wilson 80/100 -> [0.711171, 0.866633] (issue reference)
        assertThat(e.path("ci").get(0).asDouble()).isCloseTo(0.711171, within(1e-6));
        assertThat(e.path("ci").get(1).asDouble()).isCloseTo(0.866633, within(1e-6));
        assertThat(e.path("label").asText()).isEqualTo("front");
        // K (5.0, 40%) vs E (4.0, 80%): intervals far apart
        assertThat(point(a, "K").path("label").asText()).isEqualTo("confidently_dominated");
        // F (5.0, 79%) vs E/H (4.0, 80%): dominated on the point estimate, not with confidence
        assertThat(point(a, "F").path("label").asText()).isEqualTo("dominated");
        assertThat(point(a, "F").path("front_probability").asDouble()).isBetween(0.01, 0.6);
        assertThat(point(a, "G").path("front_probability").asDouble()).isEqualTo(1.0);
        assertThat(a.path("front").size()).isEqualTo(6);
        // cheapest with success >= 0.8: E (cost 4.0); most successful: I (0.81, cost 6.0) -> 4/6
        assertThat(a.at("/min_success/name").asText()).isEqualTo("E");
        assertThat(a.at("/min_success/cost_share").asDouble()).isCloseTo(4.0 / 6.0, within(1e-12));
    }

    @Test
    void probablyDominatedUsesTheBetaPosteriors() {
        List<ParetoPoint> pts = List.of(new ParetoPoint("cheap", 1.0, 70, 100), new ParetoPoint("dear", 2.0, 58, 100));
        // P(p_cheap > p_dear), Beta(71,31) vs Beta(59,43): about 0.96 (normal approximation: z = 0.12 / 0.0677 = 1.77)
        double p = ParetoAnalysis.probabilityGreater(pts.get(0), pts.get(1));
        assertThat(p).isCloseTo(0.96, within(0.01));
        JsonNode a = ParetoAnalysis.analyse(pts, null, 1000, 1);
        assertThat(point(a, "dear").path("label").asText()).isEqualTo("probably_dominated");
    }

    static JsonNode point(JsonNode analysis, String name) {
        for (JsonNode p : analysis.path("points")) {
            if (p.path("name").asText().equals(name)) {
                return p;
            }
        }
        throw new AssertionError("no point " + name);
    }
}
