package dev.metaorch.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two-sided p-values and sample odds ratios from scipy 1.17.1 {@code scipy.stats.fisher_exact};
 * the first table is R's {@code ?fisher.test} tea-tasting example (p-value = 0.4857).
 */
class FisherExactTest {
    static Stream<Arguments> tables() {
        return Stream.of(Arguments.of(3, 1, 1, 3, 0.48571428571428565, 9.0),
                Arguments.of(8, 2, 1, 5, 0.034965034965034975, 20.0),
                Arguments.of(0, 10, 10, 0, 1.082508822446903e-05, 0.0),
                Arguments.of(12, 30, 2, 40, 0.006708617743290729, 8.0),
                Arguments.of(20, 180, 5, 195, 0.0030534044175617586, 4.333333333333333),
                Arguments.of(1, 9, 11, 3, 0.0027594561852200836, 0.030303030303030304));
    }

    @ParameterizedTest
    @MethodSource("tables")
    void matchesScipy(long a, long b, long c, long d, double p, double or) {
        FisherExact f = FisherExact.twoSided(a, b, c, d);
        assertThat(f.pValue()).isCloseTo(p, within(1e-12 + 1e-9 * p));
        assertThat(f.oddsRatio()).isCloseTo(or, within(1e-12));
    }

    @Test
    void degenerateTables() {
        // scipy: fisher_exact([[5, 0], [0, 0]]) -> (nan, 1.0)
        assertThat(FisherExact.twoSided(5, 0, 0, 0).pValue()).isCloseTo(1.0, within(1e-12));
        assertThat(FisherExact.twoSided(5, 0, 0, 0).oddsRatio()).isNaN();
        assertThat(FisherExact.twoSided(0, 0, 0, 0).pValue()).isEqualTo(1.0);
    }
}
