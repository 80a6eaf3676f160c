package dev.metaorch.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class BenjaminiHochbergTest {
    /**
     * Worked by hand: p = (0.01, 0.04, 0.03, 0.005, 0.5), m = 5. Sorted 0.005, 0.01, 0.03, 0.04, 0.5;
     * m p / rank = 0.025, 0.025, 0.05, 0.05, 0.5; running minimum from the top leaves them so.
     */
    @Test
    void workedExample() {
        double[] q = BenjaminiHochberg.adjust(new double[] {0.01, 0.04, 0.03, 0.005, 0.5});
        assertThat(q).containsExactly(new double[] {0.025, 0.05, 0.05, 0.025, 0.5}, within(1e-15));
    }

    /**
     * Benjamini and Hochberg (1995), section 4: the 15 p-values of the thrombolysis study; at
     * q = 0.05 the procedure rejects the four smallest (p ≤ 0.0095). Adjusted values from an
     * independent numpy computation (np.minimum.accumulate over the reversed m p_(i) / i), the
     * definition of R's p.adjust(p, "BH").
     */
    @Test
    void theThrombolysisExampleOfThePaper() {
        double[] p = {0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719,
            0.6528, 0.7590, 1.0000};
        double[] expected = {0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.06385714285714286, 0.06385714285714286, 0.0645,
            0.0765, 0.486, 0.5811818181818182, 0.714875, 0.7532307692307692, 0.8132142857142857, 1.0};
        assertThat(BenjaminiHochberg.adjust(p)).containsExactly(expected, within(1e-12));
        boolean[] r = BenjaminiHochberg.reject(p, 0.05);
        int rejected = 0;
        for (boolean b : r) {
            rejected += b ? 1 : 0;
        }
        assertThat(rejected).isEqualTo(4);
        assertThat(r[3]).isTrue();
        assertThat(r[4]).isFalse();
    }

    @Test
    void emptyInputGivesEmptyOutput() {
        assertThat(BenjaminiHochberg.adjust(new double[0])).isEmpty();
    }
}
