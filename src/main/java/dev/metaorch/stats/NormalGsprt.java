package dev.metaorch.stats;

/**
 * GSPRT for a continuous metric by normal approximation on per-pair differences
 * {@code D = control − test} (lower is better for tokens and cost, so D > 0 favours the test).
 * H0 mean difference 0, H1 mean difference θ1; the variance is refitted by maximum likelihood
 * under each hypothesis, {@code σ_j² = mean((D − θ_j)²)}, and {@code LLR = n/2 · ln(σ0² / σ1²)}.
 * State is (n, ΣD, ΣD²).
 */
public record NormalGsprt(double theta1, SprtBounds bounds) {
    public double llr(long n, double sum, double sumSquares) {
        if (n < 2) {
            return 0;
        }
        double var0 = sumSquares / n;
        double var1 = (sumSquares - 2 * theta1 * sum + n * theta1 * theta1) / n;
        double floor = 1e-12 * Math.max(1, var0);
        return n / 2.0 * Math.log(Math.max(var0, floor) / Math.max(var1, floor));
    }
}
