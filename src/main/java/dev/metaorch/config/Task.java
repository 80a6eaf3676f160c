package dev.metaorch.config;

/**
 * One benchmark task. {@code id} is the stable code that pairs are matched on (like ERC3's
 * {@code spec_id}); {@code code} groups instances of the same kind of task.
 */
public record Task(String id, String code, double difficulty, boolean solvable, int optimalSteps, String text) {
}
