package dev.metaorch.runner;

import dev.metaorch.common.Money;
import dev.metaorch.proxy.SpendGuard;
import dev.metaorch.proxy.SpendGuarded;
import java.math.BigDecimal;
import java.util.List;

/**
 * Connects the metering proxy to the run's {@link BudgetGate}: a call goes upstream only while it
 * fits in its attempt's reservation or, beyond it, under the cap beside every other reservation;
 * a refused call is answered with an OpenAI-style error and the session ends (ADR-019).
 */
public final class GateSpendGuard implements SpendGuard {
    private final BudgetGate gate;

    public GateSpendGuard(BudgetGate gate) {
        this.gate = gate;
    }

    /** Hands the guard to every arm whose variant meters LLM calls. */
    public static void connect(List<ArmSetup> arms, BudgetGate gate) {
        GateSpendGuard guard = new GateSpendGuard(gate);
        for (ArmSetup a : arms) {
            if (a.variant() instanceof SpendGuarded g) {
                g.spendGuard(guard);
            }
        }
    }

    @Override
    public boolean allow(String sessionId, BigDecimal estimatedUsd) {
        return gate.allowCall(sessionId, Money.nanos(estimatedUsd));
    }

    @Override
    public void settle(String sessionId, BigDecimal estimatedUsd, BigDecimal actualUsd) {
        gate.settleCall(sessionId, Money.nanos(estimatedUsd), Money.nanos(actualUsd));
    }
}
