package dev.metaorch.store;

import dev.metaorch.variant.VariantRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Workers in this JVM serving a store, one thread each, for tests; closing stops them (5 s grace). */
final class InProcessWorkers implements AutoCloseable {
    private final List<Worker> workers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    /** Starts a worker of each concurrency (no plugins, agent logs under {@code dir/worker}). */
    InProcessWorkers(PgStore store, Path dir, Duration lease, int... concurrencies) {
        for (int c : concurrencies) {
            Worker w = new Worker(store, VariantRegistry.load(dir.resolve("no-plugins")), c, lease, dir.resolve("worker"),
                    m -> { });
            workers.add(w);
            Thread t = new Thread(() -> w.run(null));
            t.start();
            threads.add(t);
        }
    }

    @Override
    public void close() throws InterruptedException {
        workers.forEach(w -> w.close(Duration.ofSeconds(5)));
        for (Thread t : threads) {
            t.join(10_000);
        }
    }
}
