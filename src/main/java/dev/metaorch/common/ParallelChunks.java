package dev.metaorch.common;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;

/**
 * Runs tasks 0..n-1 on a fixed pool in contiguous chunks (about 8 per thread, for load
 * balance). Each task must write only its own slots of shared arrays, so results do not depend on
 * the thread count. Used by the Monte Carlo simulators.
 */
public final class ParallelChunks {
    private ParallelChunks() {
    }

    /** Runs {@code [lo, hi)} ranges; {@code progress} (may be null) gets each finished chunk's size. */
    public interface Chunk {
        void run(int lo, int hi);
    }

    public static void run(int threads, int n, String name, Chunk chunk, LongConsumer progress) {
        int t = Math.max(1, threads);
        ExecutorService pool = Executors.newFixedThreadPool(t, r -> {
            Thread th = new Thread(r, name);
            th.setDaemon(true);
            return th;
        });
        try {
            int size = Math.max(1, n / (t * 8));
            List<Future<?>> futures = new ArrayList<>();
            for (int from = 0; from < n; from += size) {
                int lo = from;
                int hi = Math.min(n, from + size);
                futures.add(pool.submit(() -> {
                    chunk.run(lo, hi);
                    if (progress != null) {
                        progress.accept(hi - lo);
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(name + " interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(name + " failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
