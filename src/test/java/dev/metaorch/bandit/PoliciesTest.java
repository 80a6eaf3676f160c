package dev.metaorch.bandit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

class PoliciesTest {
    final UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(3L);

    @Test
    void klUcbIndexSolvesTheDivergenceEquationToTheTolerance() {
        for (double p : new double[] {0.0, 0.001, 0.3, 0.5, 0.9, 0.999}) {
            for (double d : new double[] {1e-4, 0.01, 0.3, 2, 9}) {
                double q = KlUcb.index(p, d, 0);
                double warm = KlUcb.index(p, d, Math.min(0.999999, q + 0.2));
                assertThat(warm).isCloseTo(q, within(1e-10));
                assertThat(q).isBetween(p, 1.0);
                if (q < 0.999) {
                    assertThat(KlUcb.kl(p, q)).as("p=%s d=%s", p, d).isCloseTo(d, within(1e-7));
                }
                // reference by bisection
                double lo = p;
                double hi = 1;
                for (int i = 0; i < 200; i++) {
                    double mid = (lo + hi) / 2;
                    if (KlUcb.kl(p, mid) > d) {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                assertThat(q).as("p=%s d=%s", p, d).isCloseTo(lo, within(1e-9));
            }
        }
    }

    @Test
    void indexPoliciesPullEveryArmOnceFirst() {
        for (String name : new String[] {"eps-greedy", "ucb1", "kl-ucb"}) {
            BanditPolicy p = Policies.create(name, 0.1, 1, 1);
            long[] pulls = new long[4];
            long[] successes = new long[4];
            for (int t = 0; t < 4; t++) {
                int a = p.select(pulls, successes, t, rng);
                assertThat(a).as(name).isEqualTo(t);
                pulls[a]++;
            }
        }
    }

    @Test
    void ucb1PicksTheLargestIndex() {
        // arm 1 has the lower mean but far fewer pulls: 0.5 + sqrt(2 ln 110 / 10) = 1.470 > 0.6 + sqrt(2 ln 110 / 100) = 0.907
        int a = new Ucb1().select(new long[] {100, 10}, new long[] {60, 5}, 110, rng);
        assertThat(a).isEqualTo(1);
    }

    @Test
    void epsilonGreedyBreaksTiesUniformly() {
        EpsilonGreedy p = new EpsilonGreedy(0.0, false);
        int[] counts = new int[3];
        for (int i = 0; i < 30_000; i++) {
            counts[p.select(new long[] {10, 10, 10}, new long[] {5, 5, 2}, 30, rng)]++;
        }
        assertThat(counts[2]).isZero();
        // binomial(30000, 0.5): SD 87; 5 SD tolerance
        assertThat(counts[0]).isCloseTo(15_000, within(435));
    }

    @Test
    void thompsonDrawsFromTheBetaPosterior() {
        // P(theta_0 > theta_1) for Beta(1+3, 1+1) vs Beta(1+1, 1+3) = ∫ f_Beta(4,2)(x) F_Beta(2,4)(x) dx
        // = 113/126 = 0.896825 (midpoint rule with 200,000 points, in Python)
        ThompsonSampling ts = new ThompsonSampling(1, 1);
        int first = 0;
        int n = 40_000;
        for (int i = 0; i < n; i++) {
            first += ts.select(new long[] {4, 4}, new long[] {3, 1}, 8, rng) == 0 ? 1 : 0;
        }
        assertThat((double) first / n).isCloseTo(113.0 / 126, within(5 * Math.sqrt(0.8968 * 0.1032 / n)));
    }

    @Test
    void laiRobbinsConstant() {
        // Σ Δ_i / kl(μ_i, 0.7) over 0.3..0.6 = 1.1802 + 1.5624 + 2.2938 + 4.4286 = 9.465
        assertThat(BanditSimulator.laiRobbins(new double[] {0.3, 0.4, 0.5, 0.6, 0.7})).isCloseTo(9.465, within(0.001));
    }
}
