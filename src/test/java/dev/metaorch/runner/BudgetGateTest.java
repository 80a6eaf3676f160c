package dev.metaorch.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BudgetGateTest {
    @Test
    void grantsOnlyWhatFitsUnderTheCapAndSettlesExactly() {
        BudgetGate gate = new BudgetGate(100, 10, Map.of("a", 30L));
        BudgetGate.Reservation r1 = gate.tryReserve("a");
        BudgetGate.Reservation r2 = gate.tryReserve("a");
        BudgetGate.Reservation r3 = gate.tryReserve("a");
        assertThat(r1).isNotNull();
        assertThat(r2).isNotNull();
        assertThat(r3).isNotNull();
        assertThat(gate.tryReserve("a")).as("10 spent + 90 reserved: a fourth 30 would pass 100").isNull();
        assertThat(gate.lastRefusal()).contains("reserves $0.000000").contains("of the cap is left");
        gate.settle(r1, 25);
        gate.release(r2);
        assertThat(gate.spentNanos()).isEqualTo(35);
        assertThat(gate.reservedNanos()).isEqualTo(30);
        gate.settle(r3, 40);
        assertThat(gate.spentNanos()).isEqualTo(75);
        assertThat(gate.tryReserve("a")).as("the estimate learned the dearer attempt: 40 > 25 left").isNull();
        assertThat(gate.exhausted()).isTrue();
    }

    @Test
    void anArmWithoutAnEstimateRunsAloneUntilItsCostIsKnown() {
        BudgetGate gate = new BudgetGate(1_000, 0, Map.of("known", 10L));
        BudgetGate.Reservation known = gate.tryReserve("known");
        assertThat(gate.tryReserve("new")).as("calibration waits for the reservations in flight").isNull();
        gate.settle(known, 10);
        BudgetGate.Reservation calibrating = gate.tryReserve("new");
        assertThat(calibrating.nanos()).isEqualTo(990);
        assertThat(gate.tryReserve("known")).isNull();
        gate.settle(calibrating, 50);
        assertThat(gate.tryReserve("new").nanos()).isEqualTo(50);
    }

    /**
     * 16 threads launch attempts whose real cost is drawn at or below the dearest seen (a seeded
     * stream per thread): spend never passes the cap, whatever the interleaving.
     */
    @Test
    void concurrentLaunchesNeverPassTheCapWhenNoAttemptExceedsItsReservation() throws Exception {
        long cap = 1_000_000;
        BudgetGate gate = new BudgetGate(cap, 0, Map.of("a", 1_000L));
        AtomicLong launched = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            SplittableRandom rng = new SplittableRandom(t);
            futures.add(pool.submit(() -> {
                BudgetGate.Reservation r;
                while ((r = gate.tryReserve("a")) != null) {
                    launched.incrementAndGet();
                    gate.settle(r, 1 + rng.nextLong(1_000));
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        assertThat(gate.spentNanos()).isLessThanOrEqualTo(cap).isGreaterThan(cap - 16 * 1_000);
        assertThat(gate.reservedNanos()).isZero();
        assertThat(launched.get()).isGreaterThan(1_000);
    }

    /** The metering proxy's calls: covered by the attempt's reservation first, beyond it only under the cap. */
    @Test
    void llmCallsUseTheirAttemptsReservationThenWhatTheCapLeaves() {
        BudgetGate gate = new BudgetGate(100, 0, Map.of("a", 40L));
        BudgetGate.Reservation r = gate.tryReserve("a");
        gate.openSession("s1", r);
        assertThat(gate.allowCall("s1", 30)).as("within the 40 reserved").isTrue();
        assertThat(gate.reservedNanos()).isEqualTo(40);
        gate.settleCall("s1", 30, 25);
        assertThat(gate.allowCall("s1", 50)).as("15 left in the reservation, 35 more fit under the cap").isTrue();
        assertThat(gate.reservedNanos()).isEqualTo(75);
        assertThat(gate.allowCall("s1", 30)).as("15 + 60 + 30 would pass 100").isFalse();
        assertThat(gate.lastRefusal()).contains("LLM call of s1");
        gate.settleCall("s1", 50, 50);
        gate.closeSession("s1");
        gate.settle(r, 75);
        assertThat(gate.reservedNanos()).isZero();
        assertThat(gate.spentNanos()).isEqualTo(75);
        assertThat(gate.allowCall("unknown", 1_000)).as("a session outside a run is not the gate's").isTrue();
    }

    @Test
    void theProxysGuardSpeaksDollars() {
        BudgetGate gate = new BudgetGate(1_000_000_000L, 0, Map.of("a", 1_000L));
        BudgetGate.Reservation r = gate.tryReserve("a");
        gate.openSession("s", r);
        GateSpendGuard guard = new GateSpendGuard(gate);
        assertThat(guard.allow("s", new java.math.BigDecimal("0.000000800"))).isTrue();
        guard.settle("s", new java.math.BigDecimal("0.000000800"), new java.math.BigDecimal("0.000000700"));
        assertThat(guard.allow("s", new java.math.BigDecimal("2"))).isFalse();
    }
}
