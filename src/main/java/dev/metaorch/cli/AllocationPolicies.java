package dev.metaorch.cli;

import dev.metaorch.bandit.Policies;
import dev.metaorch.bandit.PolicyAllocator;
import dev.metaorch.common.Hashing;
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
        try {
            return new PolicyAllocator(Policies.create(policy, 0.1, 1, 1), Hashing.deriveSeed(seed, "allocation"));
        } catch (IllegalArgumentException e) {
            throw MetaorchException.invalidInput("--allocation: unknown policy '" + policy
                    + "' (uniform, thompson, ucb1, kl-ucb, eps-greedy, eps-decay)");
        }
    }
}
