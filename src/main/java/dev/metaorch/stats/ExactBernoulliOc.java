package dev.metaorch.stats;

/**
 * Exact operating characteristics of the Bernoulli SPRT by dynamic programming over the
 * continuation region: the distribution of successes among paths still running after each
 * observation. Returns the probability of accepting H1 and the expected sample size when the
 * true success probability is {@code p}; runs until the mass still undecided is below 1e-13
 * (or {@code cap} observations, where what remains counts as undecided).
 */
public record ExactBernoulliOc(double acceptH1, double acceptH0, double meanN, double undecided) {

    public static ExactBernoulliOc compute(BernoulliSprt test, double p, int cap) {
        double up = test.successIncrement();
        double down = test.failureIncrement();
        double upper = test.bounds().upper();
        double lower = test.bounds().lower();
        double[] mass = {1.0};
        double h1 = 0;
        double h0 = 0;
        double meanN = 0;
        double running = 1;
        for (int n = 1; n <= cap && running > 1e-13; n++) {
            double[] next = new double[n + 1];
            for (int k = 0; k < mass.length; k++) {
                if (mass[k] == 0) {
                    continue;
                }
                next[k + 1] += mass[k] * p;
                next[k] += mass[k] * (1 - p);
            }
            running = 0;
            for (int k = 0; k <= n; k++) {
                if (next[k] == 0) {
                    continue;
                }
                double llr = k * up + (n - k) * down;
                if (llr >= upper) {
                    h1 += next[k];
                    meanN += n * next[k];
                    next[k] = 0;
                } else if (llr <= lower) {
                    h0 += next[k];
                    meanN += n * next[k];
                    next[k] = 0;
                } else {
                    running += next[k];
                }
            }
            mass = next;
            if (n == cap) {
                meanN += n * running;
            }
        }
        return new ExactBernoulliOc(h1, h0, meanN, running);
    }
}
