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
}
