package dev.metaorch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.Money;
import dev.metaorch.experiment.ExperimentResult;
import dev.metaorch.session.RunLedger;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Prints a run-experiment result for people; every figure is the result's (the ledger's for money). */
final class ExperimentSummary {
    private ExperimentSummary() {
    }

    static void print(PrintWriter out, ExperimentResult r, Path results) {
        print(out, r, results.resolve("runs").resolve(r.runId()).resolve("result.json").toString());
    }

    /** {@code resultPlace}: where the result is kept (a file, or a team store's run). */
    static void print(PrintWriter out, ExperimentResult r, String resultPlace) {
        JsonNode ctl = r.arms() == null ? null : r.arms().get("control");
        JsonNode tst = r.arms() == null ? null : r.arms().get("test");
        RunLedger.Figures f = r.ledger();
        f(out, "run %s: %s vs %s%n", r.runId(), ctl == null ? "?" : ctl.path("experiment_id").asText(),
                tst == null ? "?" : tst.path("experiment_id").asText());
        f(out, "metric     %s (from %s)%s%n", r.metric(), r.metricSource() == null ? "stopping.metric" : r.metricSource(),
                r.notApplicablePairs() > 0 ? "; " + r.notApplicablePairs() + " pairs where it is not defined skipped" : "");
        f(out, "decision   %s (%s)%n", r.decision(), r.reason());
        if (r.hypothesisVerdict() != null) {
            f(out, "hypothesis %s%n", r.hypothesisVerdict());
        }
        if (r.guardrails() != null) {
            for (ExperimentResult.GuardrailResult g : r.guardrails()) {
                f(out, "guardrail  %s must not drop by %.3f: %s (LLR %.3f in [%.3f, %.3f], %d pairs, difference %+.3f)%n",
                        g.metric(), g.maxDrop(), g.verdict(), g.llr(), g.bounds().lower(), g.bounds().upper(), g.pairs(),
                        g.difference());
            }
        }
        f(out, "LLR        %.4f  bounds [%.4f, %.4f]%n", r.llr(), r.bounds().lower(), r.bounds().upper());
        f(out, "pairs      %d in the test (W/T/L %d/%d/%d), %d sessions; %d outage pairs held out%n", r.pairs(), r.wins(),
                r.ties(), r.losses(), r.sessionsInTest(), r.outagePairs() == null ? 0 : r.outagePairs().size());
        f(out, "spend      %s of cap %s: %d attempts of %d sessions (%d retries, %d cancelled%s)%n",
                Money.format(f.spendNanoUsd()), Money.formatCap(r.maxCostUsd()), f.attempts(), f.sessionsLaunched(),
                f.retryAttempts(), f.cancelledAttempts(), f.lostAttempts() == 0 ? "" : ", of which " + f.lostAttempts()
                        + " lost with their worker: what they spent is not known; each was issued again, and that "
                        + "attempt counts in the retries without using one up");
        if (f.beyondDecision() != null) {
            f(out, "overrun    %d sessions of pairs after the deciding pair %d, %s (launched before the decision)%n",
                    f.beyondDecision().sessions(), f.beyondDecision().decidingPair(),
                    Money.format(f.beyondDecision().spendNanoUsd()));
        }
        f(out, "fixed n    %d pairs (%d sessions); saving %s%n", r.fixedN(), 2 * r.fixedN(),
                r.savings() == null ? "none (" + (r.pairs() == 0 ? "no usable pair" : "no decision") + ")"
                        : Console.pct(r.savings()) + " (attempts paid against the fixed design's sessions)");
        ExperimentResult.Infrastructure inf = r.infrastructure();
        if (inf != null) {
            f(out, "errors     control %d of %d, test %d of %d sessions ended in error or timeout (failures of their "
                    + "arm)%s%n", inf.controlFailures(), inf.controlSessions(), inf.testFailures(), inf.testSessions(),
                    inf.fisherP() == null ? "" : String.format(Locale.ROOT, "; Fisher p %.3f%s", inf.fisherP(),
                            inf.differs() ? " — the arms differ in reliability" : ""));
        }
        String rate = r.metric() != null && r.metric().equals("early_termination_rate") ? "early term" : "success";
        f(out, "%-10s %10s %16s %10s %12s %8s %8s%n", "arm", rate, "95% CI", "tokens", "cost/session", "early",
                "waste");
        for (String arm : List.of("control", "test")) {
            JsonNode a = r.arms() == null ? null : r.arms().get(arm);
            if (a == null) {
                continue;
            }
            f(out, "%-10s %10.3f   [%.3f, %.3f] %10.0f %12.5f %8s %8s%n", arm, a.path("success_rate").asDouble(),
                    a.path("ci").path(0).asDouble(), a.path("ci").path(1).asDouble(), a.path("tokens_mean").asDouble(),
                    a.path("cost_per_session").asDouble(),
                    a.path("early_termination_rate").isNull() ? "-"
                            : String.format(Locale.ROOT, "%.2f", a.path("early_termination_rate").asDouble()),
                    String.format(Locale.ROOT, "%.2f", a.path("token_waste").asDouble()));
        }
        ExperimentResult.Effect e = r.effect();
        if (e != null && r.pairs() > 0) {
            String what = rate.equals("success") ? "success rate" : "early termination rate";
            if (e.adjusted() != null && e.biased()) {
                f(out, "effect     %+.3f %s [%.3f, %.3f] adjusted for the early stop (%s); fixed-sample estimate "
                        + "%+.3f [%.3f, %.3f], biased toward the decision%n", e.adjusted().estimate(), what,
                        e.adjusted().ciLow(), e.adjusted().ciHigh(), e.adjusted().method().label(),
                        e.successRateDifference(), e.ci().get(0), e.ci().get(1));
            } else {
                f(out, "effect     %+.3f %s [%.3f, %.3f] (fixed-sample estimate, paired interval)%n",
                        e.successRateDifference(), what, e.ci().get(0), e.ci().get(1));
            }
        }
        if (r.effectScope() != null && r.pairs() > 0) {
            f(out, "scope      the effect is %s%n", r.effectScope());
        }
        JsonNode g = r.guard();
        if (g != null && g.path("ran").asBoolean()) {
            long excluded = g.path("excluded_tasks").asLong();
            long on = g.path("guard_tasks").asLong(excluded);
            f(out, "guard      %d pairs on %s: W/T/L %d/%d/%d, %s (p %.3f; %s)%n", g.path("pairs").asLong(),
                    on == excluded ? "the " + excluded + " excluded tasks"
                            : on + " of the " + excluded + " excluded tasks (where " + g.path("metric").asText() + " is defined)",
                    g.path("wins").asLong(), g.path("ties").asLong(), g.path("losses").asLong(),
                    g.path("regression").asBoolean()
                            ? "REGRESSION: the test config is worse on the excluded tasks; do not accept it for the whole suite"
                            : "no regression detected", g.path("p_value").asDouble(),
                    Money.format(g.path("spend_nano_usd").asLong()));
        } else if (g != null) {
            f(out, "guard      %s on the excluded tasks: %s%n", g.path("pairs_done").asLong() > 0 ? "did not finish" : "not run",
                    g.path("reason").asText());
        }
        if (r.flipped() != null) {
            f(out, "flipped    %d tasks to pass, %d to fail%n", r.flipped().toPass().size(), r.flipped().toFail().size());
        }
        f(out, "result     %s%n", resultPlace);
    }

    private static void f(PrintWriter out, String format, Object... args) {
        out.print(String.format(Locale.ROOT, format, args));
    }
}
