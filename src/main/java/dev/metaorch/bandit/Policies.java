package dev.metaorch.bandit;

import java.util.List;

/** Policy names to instances. */
public final class Policies {
    public static final List<String> NAMES = List.of("eps-greedy", "ucb1", "kl-ucb", "thompson", "eps-decay");

    private Policies() {
    }

    /** The policy called {@code name}; throws IllegalArgumentException for unknown names. */
    public static BanditPolicy create(String name, double epsilon, double priorA, double priorB) {
        return switch (name) {
            case "eps-greedy" -> new EpsilonGreedy(epsilon, false);
            case "eps-decay" -> new EpsilonGreedy(epsilon, true);
            case "ucb1" -> new Ucb1();
            case "kl-ucb" -> new KlUcb();
            case "thompson" -> new ThompsonSampling(priorA, priorB);
            default -> throw new IllegalArgumentException("unknown policy '" + name + "' (" + String.join(", ", NAMES) + ")");
        };
    }
}
