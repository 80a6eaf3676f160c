package dev.metaorch.bandit;

import java.util.Arrays;
import java.util.List;

/** Policy names to instances. */
public final class Policies {
    public static final List<String> NAMES = Arrays.stream(PolicyName.values()).map(PolicyName::toString).toList();

    private Policies() {
    }

    /** The policy called {@code name}; throws IllegalArgumentException for unknown names. */
    public static BanditPolicy create(String name, double epsilon, double priorA, double priorB) {
        for (PolicyName p : PolicyName.values()) {
            if (p.toString().equals(name)) {
                return p.create(epsilon, priorA, priorB);
            }
        }
        throw new IllegalArgumentException("unknown policy '" + name + "' (" + String.join(", ", NAMES) + ")");
    }
}
