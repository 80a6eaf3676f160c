package dev.metaorch.runner;

import dev.metaorch.common.Hashing;
import dev.metaorch.config.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.rng.sampling.ListSampler;
import org.apache.commons.rng.simple.RandomSource;

/**
 * Which task the k-th pair (or session) runs: a seeded shuffle of the suite, reshuffled for each
 * cycle through it. A pure function of (seed, k), so a resumed run plans the same pairs.
 */
public final class TaskPlan {
    private final List<Task> tasks;
    private final long seed;
    private final ConcurrentHashMap<Long, List<Task>> cycles = new ConcurrentHashMap<>();

    public TaskPlan(List<Task> tasks, long seed) {
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("no tasks to plan");
        }
        this.tasks = List.copyOf(tasks);
        this.seed = seed;
    }

    public int suiteSize() {
        return tasks.size();
    }

    public Task task(long k) {
        long cycle = k / tasks.size();
        List<Task> order = cycles.computeIfAbsent(cycle, c -> {
            List<Task> copy = new ArrayList<>(tasks);
            ListSampler.shuffle(RandomSource.XO_RO_SHI_RO_128_PP.create(Hashing.deriveSeed(seed, "plan", c)), copy);
            return copy;
        });
        return order.get((int) (k % tasks.size()));
    }
}
