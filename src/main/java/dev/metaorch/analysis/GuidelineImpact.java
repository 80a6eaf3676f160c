package dev.metaorch.analysis;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.session.SessionRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;

/**
 * Prompt analysis (seed 001): the effect of each guideline (by MD5 hash) on success, stratified
 * by task. A linear probability model {@code success ~ Σ_g β_g · has(g) + stratum} with a fixed
 * effect per stratum (task × model × variant) is fitted by least squares on within-stratum
 * deviations (Frisch–Waugh), streaming: only per-stratum sums are kept.
 * <p>Identification: the within-stratum cross-product matrix is scaled to unit diagonal and
 * decomposed by SVD (Commons Math); a singular value below {@code 1e-9 × the largest} spans an
 * exact linear dependency among the guideline columns. A guideline with a non-zero weight in any
 * such dependency is {@code not_identified} (its coefficient is not estimable), with the
 * dependency and each config's guideline set as the reason; one that never varies within a
 * stratum is {@code no_contrast}. The identified coefficients are the unique least-squares values
 * (pseudo-inverse), the same whatever the aliased columns are.
 * <p>Standard errors are clustered by task (CR1: sandwich with the small-sample factor
 * {@code G/(G−1) · (N−1)/(N−K)}, K = identified guidelines + strata, as statsmodels'
 * {@code cov_type="cluster"} on a dummy-variable regression); the interval uses Student's t on
 * G − 1 degrees of freedom. The homoskedastic OLS standard error is kept as {@code se_ols}.
 * Strata are nested in tasks, so each cluster's score {@code Σ x̃ û} is a sum of per-stratum
 * sufficient statistics. Columns are ordered by hash before fitting, so the figures do not depend
 * on the order in which sessions are read. See ADR-130.
 */
public final class GuidelineImpact implements Consumer<SessionRecord> {
    /** Relative singular-value threshold below which a direction counts as an exact dependency. */
    static final double RANK_TOLERANCE = 1e-9;

    private final Map<String, Integer> index = new HashMap<>();
    private final Map<String, Stratum> strata = new TreeMap<>();
    /** Sorted guideline set (hashes joined by spaces) -> {sessions, successes, cost}: with/without counts at the end. */
    private final Map<String, double[]> bySet = new TreeMap<>();
    /** Config (experiment id) -> the guideline hashes it used. */
    private final Map<String, Set<String>> byConfig = new TreeMap<>();

    /** Sums of one stratum: n, Σx, Σy, Σxx', Σxy, Σyy (x = guideline indicators, arrival order). */
    private static final class Stratum {
        final String cluster;
        long n;
        double sy;
        double syy;
        double[] sx = new double[0];
        double[] sxy = new double[0];
        double[][] sxx = new double[0][0];

        Stratum(String cluster) {
            this.cluster = cluster;
        }

        void grow(int k) {
            if (sx.length >= k) {
                return;
            }
            sx = Arrays.copyOf(sx, k);
            sxy = Arrays.copyOf(sxy, k);
            double[][] m = new double[k][k];
            for (int i = 0; i < sxx.length; i++) {
                System.arraycopy(sxx[i], 0, m[i], 0, sxx[i].length);
            }
            sxx = m;
        }

        /** Centred cross products in column order {@code perm} (perm[j] = arrival index). */
        double[][] cxx(int[] perm) {
            int k = perm.length;
            double[][] c = new double[k][k];
            for (int a = 0; a < k; a++) {
                for (int b = 0; b < k; b++) {
                    c[a][b] = sxx[perm[a]][perm[b]] - sx[perm[a]] * sx[perm[b]] / n;
                }
            }
            return c;
        }

        double[] cxy(int[] perm) {
            double[] c = new double[perm.length];
            for (int a = 0; a < perm.length; a++) {
                c[a] = sxy[perm[a]] - sx[perm[a]] * sy / n;
            }
            return c;
        }
    }

    @Override
    public void accept(SessionRecord r) {
        if (r.outcome().isInfrastructure() || r.task() == null || r.guidelineHashes() == null) {
            return;
        }
        for (String h : r.guidelineHashes()) {
            index.computeIfAbsent(h, x -> index.size());
        }
        int k = index.size();
        double y = r.success() ? 1 : 0;
        int[] present = r.guidelineHashes().stream().mapToInt(index::get).distinct().toArray();
        Stratum s = strata.computeIfAbsent(r.task().id() + "|" + r.modelId() + "|" + r.variant(),
                x -> new Stratum(r.task().id()));
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
        List<String> set = r.guidelineHashes().stream().distinct().sorted().toList();
        double[] c = bySet.computeIfAbsent(String.join(" ", set), x -> new double[3]);
        c[0]++;
        c[1] += y;
        c[2] += r.costUsd();
        byConfig.computeIfAbsent(r.experimentId() == null ? "?" : r.experimentId(), x -> new TreeSet<>()).addAll(set);
    }

    /** The fitted model: one entry per guideline in hash order. */
    record Fit(List<String> hashes, long sessions, int strata, int clusters, int rank, double[] effect, double[] se,
            double[] seOls, boolean[] contrast, boolean[] identified, List<List<Integer>> dependencies) {
    }

    Fit fit() {
        List<String> hashes = new ArrayList<>(new TreeSet<>(index.keySet()));
        int k = hashes.size();
        int[] perm = hashes.stream().mapToInt(index::get).toArray();
        double[][] xx = new double[k][k];
        double[] xy = new double[k];
        double yy = 0;
        long n = 0;
        Map<String, List<Stratum>> clusters = new TreeMap<>();
        for (Stratum s : strata.values()) {
            s.grow(k);
            n += s.n;
            yy += s.syy - s.sy * s.sy / s.n;
            double[][] cxx = s.cxx(perm);
            double[] cxy = s.cxy(perm);
            for (int a = 0; a < k; a++) {
                xy[a] += cxy[a];
                for (int b = 0; b < k; b++) {
                    xx[a][b] += cxx[a][b];
                }
            }
            clusters.computeIfAbsent(s.cluster, x -> new ArrayList<>()).add(s);
        }
        boolean[] contrast = new boolean[k];
        List<Integer> varying = new ArrayList<>();
        for (int a = 0; a < k; a++) {
            contrast[a] = xx[a][a] > 1e-9;
            if (contrast[a]) {
                varying.add(a);
            }
        }
        boolean[] identified = contrast.clone();
        double[] beta = new double[k];
        double[] se = new double[k];
        double[] seOls = new double[k];
        Arrays.fill(se, Double.NaN);
        Arrays.fill(seOls, Double.NaN);
        List<List<Integer>> dependencies = new ArrayList<>();
        int rank = 0;
        int m = varying.size();
        if (m > 0) {
            // scale to unit diagonal (a correlation-like matrix) so the rank threshold is relative
            double[] d = new double[m];
            for (int i = 0; i < m; i++) {
                d[i] = Math.sqrt(xx[varying.get(i)][varying.get(i)]);
            }
            RealMatrix a = new Array2DRowRealMatrix(m, m);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < m; j++) {
                    a.setEntry(i, j, xx[varying.get(i)][varying.get(j)] / (d[i] * d[j]));
                }
            }
            SingularValueDecomposition svd = new SingularValueDecomposition(a);
            double[] sv = svd.getSingularValues();
            RealMatrix v = svd.getV();
            double tol = RANK_TOLERANCE * sv[0];
            double[][] pinv = new double[m][m];
            for (int c = 0; c < m; c++) {
                if (sv[c] > tol) {
                    rank++;
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < m; j++) {
                            pinv[i][j] += v.getEntry(i, c) * v.getEntry(j, c) / sv[c];
                        }
                    }
                } else {
                    List<Integer> dep = new ArrayList<>();
                    for (int i = 0; i < m; i++) {
                        if (Math.abs(v.getEntry(i, c)) > 1e-6) {
                            dep.add(varying.get(i));
                            identified[varying.get(i)] = false;
                        }
                    }
                    dependencies.add(dep);
                }
            }
            // bread = D^-1/2 pinv(A) D^-1/2 on the varying columns, expanded to k x k
            double[][] bread = new double[k][k];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < m; j++) {
                    bread[varying.get(i)][varying.get(j)] = pinv[i][j] / (d[i] * d[j]);
                }
            }
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    beta[i] += bread[i][j] * xy[j];
                }
            }
            double rss = yy;
            for (int i = 0; i < k; i++) {
                rss -= 2 * beta[i] * xy[i];
                for (int j = 0; j < k; j++) {
                    rss += beta[i] * xx[i][j] * beta[j];
                }
            }
            int params = rank + strata.size();
            double sigma2 = Math.max(0, rss) / Math.max(1, n - params);
            double[][] meat = new double[k][k];
            for (List<Stratum> g : clusters.values()) {
                double[] score = new double[k];
                for (Stratum s : g) {
                    double[][] cxx = s.cxx(perm);
                    double[] cxy = s.cxy(perm);
                    for (int i = 0; i < k; i++) {
                        score[i] += cxy[i];
                        for (int j = 0; j < k; j++) {
                            score[i] -= cxx[i][j] * beta[j];
                        }
                    }
                }
                for (int i = 0; i < k; i++) {
                    for (int j = 0; j < k; j++) {
                        meat[i][j] += score[i] * score[j];
                    }
                }
            }
            int g = clusters.size();
            double factor = g < 2 || n <= params ? Double.NaN
                    : (double) g / (g - 1) * (n - 1) / (double) (n - params);
            for (int i = 0; i < k; i++) {
                if (!identified[i]) {
                    beta[i] = Double.NaN;
                    continue;
                }
                double vii = 0;
                for (int p = 0; p < k; p++) {
                    for (int q = 0; q < k; q++) {
                        vii += bread[i][p] * meat[p][q] * bread[q][i];
                    }
                }
                se[i] = Math.sqrt(factor * vii);
                seOls[i] = Math.sqrt(sigma2 * bread[i][i]);
            }
        }
        for (int i = 0; i < k; i++) {
            if (!contrast[i]) {
                beta[i] = Double.NaN;
            }
        }
        return new Fit(hashes, n, strata.size(), clusters.size(), rank, beta, se, seOls, contrast, identified, dependencies);
    }

    public ObjectNode toJson(Map<String, String> texts) {
        Fit fit = fit();
        List<String> hashes = fit.hashes();
        int k = hashes.size();
        double t = fit.clusters() >= 2
                ? new TDistribution(null, fit.clusters() - 1, 1e-14).inverseCumulativeProbability(0.975) : Double.NaN;
        List<ObjectNode> rows = new ArrayList<>();
        for (int a = 0; a < k; a++) {
            String h = hashes.get(a);
            double[] with = new double[3];
            double[] without = new double[3];
            bySet.forEach((set, c) -> {
                double[] target = List.of(set.split(" ")).contains(h) ? with : without;
                for (int i = 0; i < 3; i++) {
                    target[i] += c[i];
                }
            });
            ObjectNode o = Json.object();
            o.put("hash", h).put("text", texts.getOrDefault(h, "(text not in hashes.dict)"))
                    .put("sessions_with", (long) with[0]).put("sessions_without", (long) without[0])
                    .put("success_with", with[0] == 0 ? null : with[1] / with[0])
                    .put("success_without", without[0] == 0 ? null : without[1] / without[0])
                    .put("cost_difference", with[0] == 0 || without[0] == 0 ? null : with[2] / with[0] - without[2] / without[0]);
            if (!fit.contrast()[a]) {
                o.put("status", "no_contrast").putNull("effect");
                o.put("note", "never varies within a task: present in all or none of the comparable sessions");
            } else if (!fit.identified()[a]) {
                o.put("status", "not_identified").putNull("effect");
                o.put("note", "not identified: " + reason(a, fit, texts));
            } else {
                double se = fit.se()[a];
                o.put("status", "estimated").put("effect", fit.effect()[a]);
                o.put("se", Double.isNaN(se) ? null : se).put("se_ols", fit.seOls()[a]);
                if (Double.isNaN(se)) {
                    o.putNull("ci");
                } else {
                    o.putArray("ci").add(fit.effect()[a] - t * se).add(fit.effect()[a] + t * se);
                }
            }
            rows.add(o);
        }
        rows.sort((x, y) -> Double.compare(y.path("effect").asDouble(Double.NEGATIVE_INFINITY),
                x.path("effect").asDouble(Double.NEGATIVE_INFINITY)));
        ObjectNode out = Json.object();
        out.put("method", "linear probability model with task x model x variant fixed effects (OLS); SE clustered by "
                + "task (CR1), 95% t interval on " + Math.max(0, fit.clusters() - 1) + " df")
                .put("sessions", fit.sessions()).put("strata", fit.strata()).put("clusters", fit.clusters())
                .put("rank", fit.rank());
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

    /** Names the exact dependency that aliases guideline {@code a}, and what each config had of it. */
    private String reason(int a, Fit fit, Map<String, String> texts) {
        Set<Integer> group = new TreeSet<>();
        for (List<Integer> dep : fit.dependencies()) {
            if (dep.contains(a)) {
                group.addAll(dep);
            }
        }
        List<String> names = group.stream().map(i -> label(fit.hashes().get(i), texts)).toList();
        String what = names.size() == 2 ? names.get(0) + " and " + names.get(1) + " are perfectly collinear within tasks"
                : String.join(", ", names) + " are linearly dependent within tasks";
        List<String> parts = new ArrayList<>();
        byConfig.forEach((config, set) -> {
            List<String> has = group.stream().filter(i -> set.contains(fit.hashes().get(i)))
                    .map(i -> label(fit.hashes().get(i), texts)).toList();
            parts.add(config + (has.isEmpty() ? " has none" : (has.size() < group.size() ? " has only " : " has ")
                    + String.join(" and ", has)));
        });
        return what + " (" + String.join(", ", parts) + "); compare configs that add or remove one of them alone";
    }

    private static String label(String hash, Map<String, String> texts) {
        String t = texts.get(hash);
        if (t == null) {
            return hash.substring(0, Math.min(8, hash.length()));
        }
        return '"' + (t.length() > 40 ? t.substring(0, 37) + "..." : t) + '"';
    }
}
