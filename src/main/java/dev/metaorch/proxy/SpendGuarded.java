package dev.metaorch.proxy;

/**
 * A variant whose LLM calls go through a metering proxy and can be held to the run's budget.
 * The run loop connects it once per arm: {@code if (arm.variant() instanceof SpendGuarded g) g.spendGuard(guard);}
 */
public interface SpendGuarded {
    void spendGuard(SpendGuard guard);
}
