package dev.metaorch.analysis;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.session.SessionRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Anomalous sessions: within each config, a session whose tokens, latency or steps have a robust
 * z-score {@code 0.6745 (ln(1 + x) − median) / MAD} on the log scale above the threshold (default
 * 3.5, Iglewicz and Hoaglin 1993). Tokens, latency and steps are right-skewed (failing sessions run
 * long), so on the raw scale the long upper tail of clean data was flagged: 124 of 2,400 sessions
 * (5.2%) of the insights demo, all upper-tail tokens. On the log scale a session is flagged when
 * it is about {@code exp(threshold · MAD / 0.6745)} times its config's median (or that many times
 * below it); the factor per config and metric is reported. Keeps (session id, tokens, latency,
 * steps) per session. See ADR-133.
 */
public final class Anomalies implements Consumer<SessionRecord> {
    private final double threshold;
    private final Map<String, List<long[]>> values = new TreeMap<>();
    private final Map<String, List<String>> ids = new TreeMap<>();

    public Anomalies(double threshold) {
        this.threshold = threshold;
    }

    @Override
    public void accept(SessionRecord r) {
        if (r.outcome().isInfrastructure()) {
            return;
        }
        values.computeIfAbsent(r.experimentId(), k -> new ArrayList<>())
                .add(new long[] {r.tokens() == null ? 0 : r.tokens().total(), r.latencyMs(), r.steps()});
        ids.computeIfAbsent(r.experimentId(), k -> new ArrayList<>()).add(r.sessionId());
    }

    public ObjectNode toJson(int limit) {
        String[] names = {"tokens", "latency_ms", "steps"};
        ObjectNode o = Json.object();
        o.put("threshold", threshold).put("method", "robust z = 0.6745 (ln(1 + x) - median) / MAD within each config "
                + "(log scale)");
        ArrayNode arr = o.putArray("anomalies");
        ObjectNode factors = Json.object();
        int total = 0;
        long sessions = 0;
        for (Map.Entry<String, List<long[]>> e : values.entrySet()) {
            List<long[]> v = e.getValue();
            sessions += v.size();
            ObjectNode f = factors.putObject(e.getKey());
            for (int m = 0; m < 3; m++) {
                double[] x = new double[v.size()];
                for (int i = 0; i < x.length; i++) {
                    x[i] = Math.log1p(Math.max(0, v.get(i)[m]));
                }
                double median = median(x);
                double[] dev = Arrays.stream(x).map(d -> Math.abs(d - median)).toArray();
                double mad = median(dev);
                if (mad == 0) {
                    f.putNull(names[m]);
                    continue;
                }
                f.put(names[m], Math.exp(threshold * mad / 0.6745));
                for (int i = 0; i < x.length; i++) {
                    double z = 0.6745 * (x[i] - median) / mad;
                    if (Math.abs(z) > threshold) {
                        total++;
                        if (arr.size() < limit) {
                            double value = v.get(i)[m];
                            double typical = Math.expm1(median);
                            arr.addObject().put("session_id", ids.get(e.getKey()).get(i)).put("config", e.getKey())
                                    .put("metric", names[m]).put("value", value).put("median", typical).put("robust_z", z)
                                    .put("reason", String.format(Locale.ROOT, "%s %.0f is %.1f robust SDs (log scale) %s "
                                            + "the config's median %.0f", names[m], value, Math.abs(z),
                                            z > 0 ? "above" : "below", typical));
                        }
                    }
                }
            }
        }
        o.put("count", total).put("listed", arr.size()).put("not_listed", total - arr.size()).put("sessions", sessions);
        o.set("flag_factor", factors);
        return o;
    }

    static double median(double[] x) {
        if (x.length == 0) {
            return 0;
        }
        double[] s = x.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
