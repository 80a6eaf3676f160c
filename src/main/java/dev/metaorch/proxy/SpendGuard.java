package dev.metaorch.proxy;

import java.math.BigDecimal;

/**
 * The run's budget, as seen by the metering proxy: asked before every LLM call is forwarded,
 * told the real cost once the call's {@code usage} is known. The run loop connects it to the
 * run's reservation (reserve before spending, settle when the cost is known, as LiteLLM's proxy
 * budgets do). Amounts are exact USD. Implementations must be thread-safe: calls of several
 * sessions arrive at once.
 */
public interface SpendGuard {
    /** No run budget: every call is allowed (the per-session cap still applies). */
    SpendGuard UNLIMITED = new SpendGuard() {
        @Override
        public boolean allow(String sessionId, BigDecimal estimatedUsd) {
            return true;
        }

        @Override
        public void settle(String sessionId, BigDecimal estimatedUsd, BigDecimal actualUsd) {
        }
    };

    /**
     * Whether the call of {@code sessionId} estimated at {@code estimatedUsd} may go upstream.
     * When true the estimate is held until {@link #settle} for the same call.
     */
    boolean allow(String sessionId, BigDecimal estimatedUsd);

    /**
     * The allowed call is over: release {@code estimatedUsd} and book {@code actualUsd} (zero when the
     * upstream failed before reporting usage).
     */
    void settle(String sessionId, BigDecimal estimatedUsd, BigDecimal actualUsd);
}
