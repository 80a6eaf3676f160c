package dev.metaorch.bandit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lazy KL-UCB (brackets, solving only contested indices) chooses what the textbook policy
 * chooses: every arm's index solved afresh at every pull, first maximum, equal counts tie.
 */
class KlUcbTest {
    /** The definition, computed eagerly: the reference for the lazy policy. */
    static final class EagerKlUcb implements BanditPolicy {
        @Override
        public String name() {
            return "kl-ucb";
        }

        @Override
        public int select(long[] pulls, long[] successes, long total, UniformRandomProvider rng) {
            int unpulled = BanditPolicy.firstUnpulled(pulls);
            if (unpulled >= 0) {
                return unpulled;
            }
            int best = 0;
            double bestIndex = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < pulls.length; i++) {
                double index = KlUcb.index((double) successes[i] / pulls[i], Math.log(total) / pulls[i], Double.NaN);
                boolean sameCounts = i > 0 && pulls[i] == pulls[best] && successes[i] == successes[best];
                if (index > bestIndex && !sameCounts) {
                    bestIndex = index;
                    best = i;
                }
            }
            return best;
        }

        @Override
        public BanditPolicy copy() {
            return new EagerKlUcb();
        }
    }

    static Stream<Arguments> armSets() {
        return Stream.of(Arguments.of((Object) new double[] {0.3, 0.4, 0.5, 0.6, 0.7}),
                Arguments.of((Object) new double[] {0.5, 0.51, 0.52}),
                Arguments.of((Object) new double[] {0.01, 0.02, 0.99}),
                Arguments.of((Object) new double[] {0.5, 0.5, 0.5, 0.5}),
                Arguments.of((Object) new double[] {0.0, 1.0, 0.9}));
    }

    @ParameterizedTest
    @MethodSource("armSets")
    void choosesTheArgmaxOfTheSolvedIndicesPullByPull(double[] arms) {
        int near = 0;
        for (long seed = 1; seed <= 3; seed++) {
            UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(seed);
            KlUcb lazy = new KlUcb();
            EagerKlUcb eager = new EagerKlUcb();
            long[] pulls = new long[arms.length];
            long[] successes = new long[arms.length];
            for (int t = 0; t < 20_000; t++) {
                int a = eager.select(pulls, successes, t, rng);
                int b = lazy.select(pulls, successes, t, rng);
                if (a != b) {
                    // allowed only where the two indices agree to the solver's tolerance
                    double ia = KlUcb.index((double) successes[a] / pulls[a], Math.log(t) / pulls[a], Double.NaN);
                    double ib = KlUcb.index((double) successes[b] / pulls[b], Math.log(t) / pulls[b], Double.NaN);
                    assertThat(Math.abs(ia - ib)).as("t=%d eager %d lazy %d", t, a, b).isLessThan(1e-9);
                    near++;
                }
                pulls[a]++;
                successes[a] += rng.nextDouble() < arms[a] ? 1 : 0;
            }
            assertThat(lazy.solves()).as("indices solved in 20,000 pulls").isLessThan(20_000L * arms.length / 4);
        }
        assertThat(near).as("pulls decided by a near tie").isLessThan(3);
    }

    @Test
    void simulationIsIdenticalToTheEagerPolicy() {
        double[] arms = {0.3, 0.4, 0.5, 0.6, 0.7};
        BanditReport lazy = new BanditSimulator(2).simulate(arms, 5_000, 200, List.of(new KlUcb()), 11, new long[] {5_000}, null);
        BanditReport eager = new BanditSimulator(2).simulate(arms, 5_000, 200, List.of(new EagerKlUcb()), 11, new long[] {5_000},
                null);
        BanditReport.PolicyResult l = lazy.policies().get("kl-ucb");
        BanditReport.PolicyResult e = eager.policies().get("kl-ucb");
        assertThat(l.regretMean()).isEqualTo(e.regretMean());
        assertThat(l.realisedRegretMean()).isEqualTo(e.realisedRegretMean());
        assertThat(l.curveMean()).containsExactly(e.curveMean());
    }

    @Test
    void solvesFewIndicesOnTheBenchmarkInstance() {
        // the point of the brackets: on arms 0.3..0.7 most pulls need no logarithm at all
        double[] arms = {0.3, 0.4, 0.5, 0.6, 0.7};
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(5L);
        KlUcb lazy = new KlUcb();
        long[] pulls = new long[arms.length];
        long[] successes = new long[arms.length];
        for (int t = 0; t < 10_000; t++) {
            int a = lazy.select(pulls, successes, t, rng);
            pulls[a]++;
            successes[a] += rng.nextDouble() < arms[a] ? 1 : 0;
        }
        assertThat(lazy.solves()).isLessThan(10_000L / 5);
    }
}
