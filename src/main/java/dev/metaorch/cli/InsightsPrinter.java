package dev.metaorch.cli;

import java.util.Locale;
import com.fasterxml.jackson.databind.JsonNode;

/** Human tables for the insight sections of {@code analyze}. */
final class InsightsPrinter {
    private InsightsPrinter() {
    }

    static void print(Console c, JsonNode out) {
        var o = c.out();
        JsonNode cl = out.path("clusters");
        if (!cl.isMissingNode()) {
            o.println();
            o.println("task clusters " + cl.path("counts") + " (thresholds " + cl.path("thresholds") + ")");
            for (JsonNode t : cl.path("tasks")) {
                StringBuilder rates = new StringBuilder();
                t.path("success_by_config").properties().forEach(e -> rates.append(String.format(Locale.ROOT, " %s %.2f/%d",
                        e.getKey(), e.getValue().path("rate").asDouble(), e.getValue().path("sessions").asLong())));
                o.printf(Locale.ROOT, "  %-36s %-15s%s%n", t.path("task").asText(), t.path("label").asText(), rates);
            }
        }
        JsonNode g = out.path("guidelines");
        if (!g.isMissingNode()) {
            o.println();
            o.println("guideline impact (" + g.path("method").asText() + ")");
            o.printf(Locale.ROOT, "  %-4s %8s %18s %7s %7s %10s  %s%n", "rank", "effect", "95% CI", "with", "without", "cost diff",
                    "guideline");
            for (JsonNode x : g.path("guidelines")) {
                String text = x.path("text").asText();
                text = text.length() > 70 ? text.substring(0, 67) + "..." : text;
                if (x.path("status").asText().equals("estimated")) {
                    o.printf(Locale.ROOT, "  %-4d %+8.3f %18s %7d %7d %10s  %s%n", x.path("rank").asInt(), x.path("effect").asDouble(),
                            x.path("ci").isArray() ? String.format(java.util.Locale.ROOT, "[%+.3f, %+.3f]",
                                    x.path("ci").path(0).asDouble(), x.path("ci").path(1).asDouble()) : "no SE (one task)",
                            x.path("sessions_with").asLong(), x.path("sessions_without").asLong(),
                            x.path("cost_difference").isNull() ? "-" : String.format(Locale.ROOT, "%+.5f", x.path("cost_difference").asDouble()),
                            text);
                } else {
                    o.printf(Locale.ROOT, "  %-4s %8s %18s %7d %7d %10s  %s (%s)%n", "-", "-", x.path("status").asText(),
                            x.path("sessions_with").asLong(), x.path("sessions_without").asLong(), "-", text,
                            x.path("note").asText());
                }
            }
        }
        JsonNode e = out.path("errors");
        if (!e.isMissingNode()) {
            o.println();
            o.println("error and blocked-call templates (" + e.path("templates").size() + ")");
            for (JsonNode t : e.path("templates")) {
                o.printf(Locale.ROOT, "  %5d  %-8s %s   %s%n", t.path("count").asLong(), t.path("kind").asText(),
                        t.path("template").asText(), t.path("by_config"));
            }
            for (JsonNode s : e.path("systematic_issues")) {
                o.printf(Locale.ROOT, "  systematic: %s: test %.3f vs control %.3f of sessions (p = %.4f, BH q = %.4f; %s)%n",
                        s.path("template").asText(), s.path("test_rate").asDouble(), s.path("control_rate").asDouble(),
                        s.path("p_value").asDouble(), s.path("q_value").asDouble(), s.path("test_used").asText());
            }
        }
        JsonNode a = out.path("anomalies");
        if (!a.isMissingNode()) {
            o.println();
            o.println("anomalies: " + a.path("count").asLong() + " of " + a.path("sessions").asLong() + " sessions ("
                    + a.path("method").asText() + " > " + a.path("threshold").asDouble() + "); " + a.path("listed").asLong()
                    + " listed in --json, " + a.path("not_listed").asLong() + " not listed, "
                    + Math.min(10, a.path("listed").asLong()) + " shown");
            int shown = 0;
            for (JsonNode x : a.path("anomalies")) {
                if (shown++ < 10) {
                    o.printf(Locale.ROOT, "  %s: %s%n", x.path("session_id").asText(), x.path("reason").asText());
                }
            }
        }
    }
}
