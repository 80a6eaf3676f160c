package dev.metaorch.stats;

/**
 * Wald's (1947) approximations for an SPRT with i.i.d. increments z: operating characteristic
 * at the hypotheses (alpha, 1 − beta) and average sample numbers
 * {@code ASN_H0 = ((1−α) B + α A) / E0[z]}, {@code ASN_H1 = (β B + (1−β) A) / E1[z]}
 * (A, B the upper and lower bounds; overshoot ignored).
 */
public record WaldApproximation(double asnH0, double asnH1) {

    /** For a discrete increment distribution: values z with probabilities under H0 and H1. */
    public static WaldApproximation of(SprtBounds b, double[] z, double[] probH0, double[] probH1) {
        double e0 = 0;
        double e1 = 0;
        for (int i = 0; i < z.length; i++) {
            e0 += probH0[i] * z[i];
            e1 += probH1[i] * z[i];
        }
        double a = b.upper();
        double lower = b.lower();
        double asn0 = ((1 - b.alpha()) * lower + b.alpha() * a) / e0;
        double asn1 = (b.beta() * lower + (1 - b.beta()) * a) / e1;
        return new WaldApproximation(asn0, asn1);
    }

    /** Bernoulli p0 vs p1. */
    public static WaldApproximation bernoulli(SprtBounds b, double p0, double p1) {
        double[] z = {Math.log(p1 / p0), Math.log((1 - p1) / (1 - p0))};
        return of(b, z, new double[] {p0, 1 - p0}, new double[] {p1, 1 - p1});
    }

    /** Paired trinomial with discordance d: win/loss (d ± Δ)/2 under H1, d/2 each under H0. */
    public static WaldApproximation paired(SprtBounds b, double d, double delta) {
        double[] z = {Math.log((d + delta) / d), Math.log((d - delta) / d), 0};
        return of(b, z, new double[] {d / 2, d / 2, 1 - d}, new double[] {(d + delta) / 2, (d - delta) / 2, 1 - d});
    }

    /** Unpaired: control Bernoulli(p), test Bernoulli(p + Δ) under H1, Bernoulli(p) under H0. */
    public static WaldApproximation unpaired(SprtBounds b, double p, double delta) {
        double q = p + delta;
        double win0 = p * (1 - p);
        double win1 = q * (1 - p);
        double loss1 = p * (1 - q);
        double[] z = {Math.log(win1 / win0), Math.log(loss1 / win0), Math.log((1 - win1 - loss1) / (1 - 2 * win0))};
        return of(b, z, new double[] {win0, win0, 1 - 2 * win0}, new double[] {win1, loss1, 1 - win1 - loss1});
    }
}
