package dev.metaorch.analysis;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.session.SessionRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * Prompt analysis (seed 001): the effect of each guideline (by MD5 hash) on success, stratified
 * by task. A linear probability model {@code success ~ Σ_g β_g · has(g) + stratum} with a fixed
 * effect per stratum (task × model × variant) is fitted by least squares on within-stratum
 * deviations (Frisch–Waugh), streaming: only per-stratum sums are kept. Each β_g is the success
 * difference attributable to guideline g with the other guidelines held fixed, with a 95% normal
 * interval from the OLS covariance. Guidelines present in every session (or absent from every
 * stratum's variation) have no contrast; guidelines that always appear together are reported
 * as not separable. The cost difference is the raw mean cost with minus without.
 */
public final class GuidelineImpact implements Consumer<SessionRecord> {
    private final Map<String, Integer> index = new LinkedHashMap<>();
    private final Map<String, Stratum> strata = new HashMap<>();
    private final Map<String, long[]> withWithout = new HashMap<>();
    private final Map<String, double[]> costs = new HashMap<>();

    /** Sums of one stratum: n, Σx, Σy, Σxx', Σxy, Σyy (x = guideline indicators). */
    private static final class Stratum {
        long n;
        double sy;
        double syy;
        double[] sx = new double[0];
        double[] sxy = new double[0];
        double[][] sxx = new double[0][0];

        void grow(int k) {
            if (sx.length >= k) {
                return;
            }
            sx = java.util.Arrays.copyOf(sx, k);
            sxy = java.util.Arrays.copyOf(sxy, k);
            double[][] m = new double[k][k];
            for (int i = 0; i < sxx.length; i++) {
                System.arraycopy(sxx[i], 0, m[i], 0, sxx[i].length);
            }
            sxx = m;
        }
    }

    @Override
    public void accept(SessionRecord r) {
        if (r.outcome().isInfrastructure() || r.task() == null || r.guidelineHashes() == null) {
            return;
        }
        for (String h : r.guidelineHashes()) {
            index.computeIfAbsent(h, k -> index.size());
        }
        int k = index.size();
        double y = r.success() ? 1 : 0;
        int[] present = r.guidelineHashes().stream().mapToInt(index::get).distinct().toArray();
        Stratum s = strata.computeIfAbsent(r.task().id() + "|" + r.modelId() + "|" + r.variant(), x -> new Stratum());
        s.grow(k);
        s.n++;
        s.sy += y;
        s.syy += y * y;
        for (int a : present) {
            s.sx[a] += 1;
            s.sxy[a] += y;
            for (int b : present) {
                s.sxx[a][b] += 1;
            }
        }
        for (Map.Entry<String, Integer> e : index.entrySet()) {
            boolean has = false;
            for (int a : present) {
                has |= a == e.getValue();
            }
            long[] c = withWithout.computeIfAbsent(e.getKey(), x -> new long[4]);
            double[] cost = costs.computeIfAbsent(e.getKey(), x -> new double[2]);
            if (has) {
                c[0]++;
                c[1] += r.success() ? 1 : 0;
                cost[0] += r.costUsd();
            } else {
                c[2]++;
                c[3] += r.success() ? 1 : 0;
                cost[1] += r.costUsd();
            }
        }
    }

    public ObjectNode toJson(Map<String, String> texts) {
        int k = index.size();
        double[][] xx = new double[k][k];
        double[] xy = new double[k];
        double yy = 0;
        long n = 0;
        for (Stratum s : strata.values()) {
            s.grow(k);
            n += s.n;
            yy += s.syy - s.sy * s.sy / s.n;
            for (int a = 0; a < k; a++) {
                xy[a] += s.sxy[a] - s.sx[a] * s.sy / s.n;
                for (int b = 0; b < k; b++) {
                    xx[a][b] += s.sxx[a][b] - s.sx[a] * s.sx[b] / s.n;
                }
            }
        }
        List<String> hashes = new ArrayList<>(index.keySet());
        // keep guidelines that vary within strata and are not exact copies of a kept one
        List<Integer> kept = new ArrayList<>();
        Map<Integer, Integer> sameAs = new HashMap<>();
        for (int a = 0; a < k; a++) {
            if (xx[a][a] < 1e-9) {
                continue;
            }
            Integer twin = null;
            for (int b : kept) {
                if (Math.abs(xx[a][b] - xx[a][a]) < 1e-9 && Math.abs(xx[b][b] - xx[a][a]) < 1e-9) {
                    twin = b;
                }
            }
            if (twin != null) {
                sameAs.put(a, twin);
            } else {
                kept.add(a);
            }
        }
        double[] beta = new double[k];
        double[] se = new double[k];
        if (!kept.isEmpty()) {
            int m = kept.size();
            RealMatrix a = new Array2DRowRealMatrix(m, m);
            double[] b = new double[m];
            for (int i = 0; i < m; i++) {
                b[i] = xy[kept.get(i)];
                for (int j = 0; j < m; j++) {
                    a.setEntry(i, j, xx[kept.get(i)][kept.get(j)]);
                }
            }
            var lu = new LUDecomposition(a);
            if (lu.getDeterminant() != 0) {
                RealMatrix inv = lu.getSolver().getInverse();
                double[] bh = inv.operate(new ArrayRealVector(b)).toArray();
                double rss = yy;
                for (int i = 0; i < m; i++) {
                    rss -= bh[i] * b[i];
                }
                double dof = Math.max(1, n - m - strata.size());
                double sigma2 = Math.max(0, rss) / dof;
                for (int i = 0; i < m; i++) {
                    beta[kept.get(i)] = bh[i];
                    se[kept.get(i)] = Math.sqrt(sigma2 * inv.getEntry(i, i));
                }
            }
        }
        double z = new NormalDistribution(null, 0, 1).inverseCumulativeProbability(0.975);
        List<ObjectNode> rows = new ArrayList<>();
        for (int a = 0; a < k; a++) {
            String h = hashes.get(a);
            long[] c = withWithout.get(h);
            double[] cost = costs.get(h);
            ObjectNode o = Json.object();
            o.put("hash", h).put("text", texts.getOrDefault(h, "(text not in hashes.dict)"))
                    .put("sessions_with", c[0]).put("sessions_without", c[2])
                    .put("success_with", c[0] == 0 ? null : (double) c[1] / c[0])
                    .put("success_without", c[2] == 0 ? null : (double) c[3] / c[2])
                    .put("cost_difference", c[0] == 0 || c[2] == 0 ? null : cost[0] / c[0] - cost[1] / c[2]);
            if (xx[a][a] < 1e-9) {
                o.put("status", "no_contrast").putNull("effect");
                o.put("note", "never varies within a task: present in all or none of the comparable sessions");
            } else if (sameAs.containsKey(a)) {
                o.put("status", "not_separable").putNull("effect");
                o.put("note", "always together with " + hashes.get(sameAs.get(a)) + "; their joint effect is reported there");
            } else {
                o.put("status", "estimated").put("effect", beta[a]).put("se", se[a]);
                o.putArray("ci").add(beta[a] - z * se[a]).add(beta[a] + z * se[a]);
            }
            rows.add(o);
        }
        rows.sort((x, y) -> Double.compare(y.path("effect").asDouble(Double.NEGATIVE_INFINITY),
                x.path("effect").asDouble(Double.NEGATIVE_INFINITY)));
        ObjectNode out = Json.object();
        out.put("method", "linear probability model with task x model x variant fixed effects (OLS, 95% normal CI)")
                .put("sessions", n).put("strata", strata.size());
        ArrayNode arr = out.putArray("guidelines");
        int rank = 1;
        for (ObjectNode o : rows) {
            if (o.path("status").asText().equals("estimated")) {
                o.put("rank", rank++);
            }
            arr.add(o);
        }
        return out;
    }
}
