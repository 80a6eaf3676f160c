package dev.metaorch.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the tracker's record says about testing many times (ADR-134).
 * <ul>
 * <li>{@link #earlier}: the runs that already tested the same (control config hash, test config
 * hash) pair. Re-running a test until it accepts makes a false acceptance far likelier than α, so
 * a new run of a tested pair is warned about, naming the earlier runs and their decisions.
 * Tracker lines written before {@code control_hash} was recorded cannot be matched.</li>
 * <li>{@link #estimate}: how many of the record's acceptances one would expect to be false, by
 * simple arithmetic. With N decided tests, A acceptances, mean α and mean power 1 − β, the share of
 * tests whose hypothesis was really null, π0, solves {@code A/N = π0 α + (1 − π0)(1 − β)};
 * clamped to [0, 1], the expected false acceptances are {@code π0 · N · α}. It assumes every run
 * held its α and power and that the tests are independent; it is an estimate, labelled so.</li>
 * </ul>
 */
public final class RepeatedTests {
    static final double DEFAULT_ALPHA = 0.05;
    static final double DEFAULT_BETA = 0.10;

    private RepeatedTests() {
    }

    /** Earlier tracker runs (other run ids) of the same pair of config hashes, in record order. */
    public static List<ObjectNode> earlier(List<ObjectNode> runs, String controlHash, String testHash, String runId) {
        return runs.stream().filter(r -> controlHash.equals(r.path("control_hash").asText(null))
                && testHash.equals(r.path("config_hash").asText(null)) && !r.path("run_id").asText().equals(runId)).toList();
    }

    /** The warning to print when the pair was tested before, or empty. */
    public static Optional<String> warning(List<ObjectNode> runs, String controlHash, String testHash, String runId) {
        List<ObjectNode> before = earlier(runs, controlHash, testHash, runId);
        if (before.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                "control config %s vs test config %s was tested %d time%s before:", controlHash, testHash, before.size(),
                before.size() == 1 ? "" : "s"));
        for (ObjectNode r : before) {
            s.append(' ').append(r.path("run_id").asText()).append(" (").append(r.path("decision")
                    .asText(r.path("status").asText())).append(')');
        }
        s.append("; repeating a test until it accepts raises the chance of a false acceptance above alpha: report "
                + "every run, or change the config");
        return Optional.of(s.toString());
    }

    /** The record's expected false acceptances. */
    public record Estimate(long decided, long accepted, double alpha, double power, boolean ratesAssumed, double nullShare,
            double expectedFalse, long repeatedPairs) {
        public ObjectNode toJson() {
            ObjectNode o = Json.object();
            o.put("decided", decided).put("accepted", accepted).put("mean_alpha", alpha).put("mean_power", power)
                    .put("rates_assumed", ratesAssumed).put("estimated_null_share", nullShare)
                    .put("expected_false_acceptances", expectedFalse).put("repeated_pairs", repeatedPairs)
                    .put("label", label());
            return o;
        }

        /** One line that says what the figure is and how it was computed. */
        public String label() {
            return String.format(Locale.ROOT, "expected false acceptances (arithmetic, not a measurement): %.1f of %d "
                    + "accepted = alpha %.3f x %d decided x estimated null share %.2f (from A/N = pi0 alpha + (1 - pi0) "
                    + "power, power %.2f%s); %d config pair%s tested more than once", expectedFalse, accepted, alpha,
                    decided, nullShare, power, ratesAssumed ? ", alpha/power assumed where the record lacks them" : "",
                    repeatedPairs, repeatedPairs == 1 ? "" : "s");
        }
    }

    /** The estimate over the tracker's decided runs (status accepted or rejected). */
    public static Estimate estimate(List<ObjectNode> runs) {
        List<ObjectNode> decided = runs.stream().filter(r -> List.of("accepted", "rejected").contains(r.path("status").asText()))
                .toList();
        long n = decided.size();
        long accepted = decided.stream().filter(r -> r.path("status").asText().equals("accepted")).count();
        double alpha = 0;
        double power = 0;
        boolean assumed = false;
        for (JsonNode r : decided) {
            assumed |= !r.path("alpha").isNumber() || !r.path("beta").isNumber();
            alpha += r.path("alpha").asDouble(DEFAULT_ALPHA);
            power += 1 - r.path("beta").asDouble(DEFAULT_BETA);
        }
        alpha = n == 0 ? DEFAULT_ALPHA : alpha / n;
        power = n == 0 ? 1 - DEFAULT_BETA : power / n;
        double pi0 = n == 0 || power <= alpha ? 1 : Math.max(0, Math.min(1, (power - (double) accepted / n) / (power - alpha)));
        Map<String, Integer> pairs = new HashMap<>();
        runs.stream().filter(r -> r.hasNonNull("control_hash") && r.hasNonNull("config_hash"))
                .forEach(r -> pairs.merge(r.path("control_hash").asText() + "|" + r.path("config_hash").asText(), 1, Integer::sum));
        long repeated = pairs.values().stream().filter(c -> c > 1).count();
        return new Estimate(n, accepted, alpha, power, assumed, pi0, pi0 * n * alpha, repeated);
    }
}
