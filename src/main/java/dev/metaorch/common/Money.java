package dev.metaorch.common;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * Money in exact units: an integer number of nano-dollars (1e-9 USD). Every attempt's cost is
 * rounded once, half-even, to the nano-dollar when its record is made; from then on spend is a
 * sum of {@code long}s, so it is the same in any order, at any concurrency and after any number
 * of resumes (ADR-017). A record keeps its cost as the decimal {@code cost_usd} with at most nine
 * decimals, which converts back to the same integer exactly.
 */
public final class Money {
    public static final long NANOS_PER_USD = 1_000_000_000L;

    private Money() {
    }

    /** The nearest nano-dollar amount of a dollar figure (half-even); NaN and infinities are refused. */
    public static long nanos(double usd) {
        if (!Double.isFinite(usd)) {
            throw new IllegalArgumentException("not a finite amount: " + usd);
        }
        return BigDecimal.valueOf(usd).movePointRight(9).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
    }

    /** The nearest nano-dollar amount of an exact decimal dollar figure. */
    public static long nanos(BigDecimal usd) {
        return usd.movePointRight(9).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
    }

    /** Dollars as a double (for statistics and display only; sums are made in nanos). */
    public static double usd(long nanos) {
        return BigDecimal.valueOf(nanos, 9).doubleValue();
    }

    /** Exact decimal dollars, e.g. {@code 0.511830900}. */
    public static BigDecimal decimal(long nanos) {
        return BigDecimal.valueOf(nanos, 9);
    }

    /** {@code $0.511831}: dollars to the micro-dollar, Locale.ROOT. */
    public static String format(long nanos) {
        return "$" + BigDecimal.valueOf(nanos, 9).setScale(6, RoundingMode.HALF_EVEN).toPlainString();
    }

    /** {@code $0.51}: a cap or a budget as written, without trailing zeros beyond cents. */
    public static String formatCap(double usd) {
        return String.format(Locale.ROOT, "$%.2f", usd);
    }
}
