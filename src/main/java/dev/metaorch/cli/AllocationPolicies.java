package dev.metaorch.cli;

import dev.metaorch.common.MetaorchException;
import dev.metaorch.runner.Allocator;

/** Maps {@code --allocation} names to allocators. */
final class AllocationPolicies {
    private AllocationPolicies() {
    }

    static Allocator create(String policy, int arms, long total, long seed) {
        if (policy.equals("uniform")) {
            return Allocator.uniform((total + arms - 1) / arms);
        }
        throw MetaorchException.invalidInput("--allocation: unknown policy '" + policy + "' (uniform)");
    }
}
