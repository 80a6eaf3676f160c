package dev.metaorch.variant.builtin;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small mock interpreter with caching primitives (seed 000's {@code core/interpreter.py}):
 * {@code eval(key)} computes a sub-result, {@code cached(key)} answers from the cache when the
 * same work was done before. The caching agent pays full tokens and time for a miss and a
 * fraction for a hit.
 */
final class CachingInterpreter {
    private final ConcurrentHashMap<String, Boolean> cache = new ConcurrentHashMap<>();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    /** True on a cache hit; on a miss the result is computed and stored. */
    boolean evalCached(String key) {
        boolean hit = cache.putIfAbsent(key, Boolean.TRUE) != null;
        (hit ? hits : misses).incrementAndGet();
        return hit;
    }

    boolean contains(String key) {
        return cache.containsKey(key);
    }

    int size() {
        return cache.size();
    }

    long hits() {
        return hits.get();
    }

    long misses() {
        return misses.get();
    }
}
