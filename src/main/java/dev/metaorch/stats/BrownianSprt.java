package dev.metaorch.stats;

import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * The continuous approximation of an SPRT: the LLR as a Brownian motion {@code X_t = μ t + σ W_t}
 * started at 0 and absorbed at the bounds {@code a < 0 < b}, time counted in pairs. This is the
 * model behind Fishtest's estimates after an SPRT ({@code server/fishtest/stats/brownian.py} and
 * {@code sprt.py}, official-stockfish/fishtest; the GSPRT's drift and variance from M. Van den
 * Bergh's note "GSPRT approximation", cantate.be/Fishtest). The formulas here are derived from the
 * transition density of Brownian motion killed at two barriers (Cox and Miller 1965, §5.7):
 * <pre>
 *   p(t, z) = (2/A) Σ_n sin(k_n x) sin(k_n z) exp(γ (z − x) − λ_n t),   coordinates shifted by −a,
 *   A = b − a, x = −a, γ = μ/σ², k_n = nπ/A, λ_n = σ² k_n²/2 + μ²/(2σ²)
 * </pre>
 * integrated in closed form. Where that series converges slowly (σ²t/A² &lt; 0.01) or overflows
 * (|γA| &gt; 15) the first reflection of the method of images is used instead, as Fishtest does.
 */
public record BrownianSprt(double a, double b, double mu, double sigma2) {
    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);
    private static final int MAX_TERMS = 200_000;

    public BrownianSprt {
        if (!(a < 0 && b > 0) || !(sigma2 > 0) || !Double.isFinite(mu)) {
            throw new IllegalArgumentException("need a < 0 < b, sigma2 > 0 and a finite drift");
        }
    }

    /** The approximation of the paired GSPRT's LLR at true mean score {@code s}, with per-pair score variance {@code v}. */
    public static BrownianSprt gsprt(SprtBounds bounds, double s0, double s1, double s, double v) {
        return new BrownianSprt(bounds.lower(), bounds.upper(), drift(s0, s1, s, v), (s1 - s0) * (s1 - s0) / v);
    }

    /** The LLR's drift per pair at true mean score s: {@code (s − (s0 + s1)/2)(s1 − s0)/v} (Fishtest's LLR_drift_variance_alt2). */
    public static double drift(double s0, double s1, double s, double v) {
        return (s - (s0 + s1) / 2) * (s1 - s0) / v;
    }

    private double width() {
        return b - a;
    }

    private double gamma() {
        return mu / sigma2;
    }

    /** P(the path ever leaves at the lower bound a) (no truncation). */
    public double lowerExitProbability() {
        return lowerExitFrom(-a);
    }

    /** P(leaving at a first), started at shifted position x in [0, A]: {@code (e^{2γ(A−x)} − 1)/(e^{2γA} − 1)}. */
    private double lowerExitFrom(double x) {
        double g = gamma();
        double aw = width();
        if (Math.abs(g * aw) < 1e-9) {
            return (aw - x) / aw;
        }
        if (2 * g * aw > 700) {
            return Math.exp(-2 * g * x);
        }
        return Math.expm1(2 * g * (aw - x)) / Math.expm1(2 * g * aw);
    }

    /**
     * The stagewise-ordering distribution function: the probability of an outcome no better than
     * "at time t, position y" — leaving at a before t, or still running at t below y. (A path that
     * has left at b before t is better.) With y = b this is 1 − P(accept H1 before t); with y = a,
     * P(accept H0 before t). Decreasing in the drift.
     */
    public double outcomeCdf(double t, double y) {
        if (!(t > 0)) {
            return y >= 0 ? 1 : 0;
        }
        double aw = width();
        double g = gamma();
        double yy = Math.max(a, Math.min(b, y));
        double r;
        if (sigma2 * t / (aw * aw) < 1e-2 || Math.abs(g * aw) > 15) {
            r = imagesCdf(t, yy);
        } else {
            r = seriesCdf(t, yy);
        }
        return Math.max(0, Math.min(1, r));
    }

    private double seriesCdf(double t, double y) {
        double aw = width();
        double g = gamma();
        double x = -a;
        double z = y - a;
        double pre = Math.exp(g * (z - x));
        double sum = 0;
        for (int n = 1; n <= MAX_TERMS; n++) {
            double k = n * Math.PI / aw;
            double lambda = sigma2 * k * k / 2 + mu * mu / (2 * sigma2);
            double term = 2 / aw * Math.sin(k * x) * Math.exp(-lambda * t)
                    * (g * Math.sin(k * z) - k * Math.cos(k * z)) / (g * g + k * k);
            sum += term;
            double bound = 2 / aw * Math.exp(-lambda * t) * (Math.abs(g) + k) / (g * g + k * k);
            if (n > 2 && pre * bound < 1e-14) {
                break;
            }
        }
        return lowerExitFrom(x) + pre * sum;
    }

    /**
     * First reflections only: P(X_t &lt; y) + P(X_t &gt; y, touched a) − P(X_t &lt; y, touched b) for the free
     * path (Siegmund's approximation, as Fishtest's outcome_cdf_alt2), products taken in logs.
     */
    private double imagesCdf(double t, double y) {
        double sd = Math.sqrt(sigma2 * t);
        double g = gamma();
        double z = (y - mu * t) / sd;
        double za = (2 * a - y + mu * t) / sd;
        double zb = (y - mu * t - 2 * b) / sd;
        return NORMAL.cumulativeProbability(z) + Math.exp(2 * g * a + logPhi(za)) - Math.exp(2 * g * b + logPhi(zb));
    }

    /** ln Φ(z), with the asymptotic expansion of Mills' ratio in the far lower tail. */
    static double logPhi(double z) {
        if (z > -30) {
            return Math.log(NORMAL.cumulativeProbability(z));
        }
        double z2 = z * z;
        return -z2 / 2 - Math.log(-z) - 0.5 * Math.log(2 * Math.PI) + Math.log1p(-1 / z2 + 3 / (z2 * z2));
    }

    /** P(accept H1 by time t) = P(leaving at b before t). */
    public double acceptH1By(double t) {
        return 1 - outcomeCdf(t, b);
    }

    /** P(accept H0 by time t) = P(leaving at a before t). */
    public double acceptH0By(double t) {
        return outcomeCdf(t, a);
    }

    /**
     * Expected duration truncated at {@code cap}: {@code E[min(τ, cap)] = ∫_0^cap P(τ > t) dt}, the
     * survival integrated term by term. Without a cap ({@code cap} infinite) Wald's identity, exact
     * for Brownian motion: {@code (P_b b + P_a a)/μ}, or {@code −ab/σ²} at zero drift.
     */
    public double expectedDuration(double cap) {
        double aw = width();
        double g = gamma();
        double pa = lowerExitProbability();
        if (Double.isInfinite(cap) || Math.abs(g * aw) > 15) {
            double full = Math.abs(mu) < 1e-12 ? -a * b / sigma2 : ((1 - pa) * b + pa * a) / mu;
            return Double.isInfinite(cap) ? full : Math.min(cap, full);
        }
        double x = -a;
        double sum = 0;
        for (int n = 1; n <= MAX_TERMS; n++) {
            double k = n * Math.PI / aw;
            double lambda = sigma2 * k * k / 2 + mu * mu / (2 * sigma2);
            double sign = n % 2 == 0 ? 1 : -1;
            double integral = k * (Math.exp(-g * x) - sign * Math.exp(g * (aw - x))) / (g * g + k * k);
            double term = 2 / aw * Math.sin(k * x) * integral * -Math.expm1(-lambda * cap) / lambda;
            sum += term;
            double bound = 2 / aw * k * (Math.exp(-g * x) + Math.exp(g * (aw - x))) / (g * g + k * k) / lambda;
            if (n > 2 && bound < 1e-9 * Math.max(1, Math.abs(sum))) {
                break;
            }
        }
        return sum;
    }
}
