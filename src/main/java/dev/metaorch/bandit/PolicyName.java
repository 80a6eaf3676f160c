package dev.metaorch.bandit;

import java.util.Locale;

/** The bandit policies by name: what {@code --policies} and {@code --allocation} accept. */
public enum PolicyName {
    EPS_GREEDY, UCB1, KL_UCB, THOMPSON, EPS_DECAY;

    /** The name used on the command line and in reports: {@code kl-ucb}, {@code eps-greedy}... */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** A new policy; ε applies to the ε-greedy policies, the Beta(a, b) prior to Thompson sampling. */
    public BanditPolicy create(double epsilon, double priorA, double priorB) {
        if (!(epsilon >= 0 && epsilon <= 1)) {
            throw new IllegalArgumentException("epsilon must be in [0, 1], got " + epsilon);
        }
        if (!(priorA > 0 && priorB > 0 && Double.isFinite(priorA) && Double.isFinite(priorB))) {
            throw new IllegalArgumentException("the Beta prior needs a, b > 0 and finite, got " + priorA + "," + priorB);
        }
        return switch (this) {
            case EPS_GREEDY -> new EpsilonGreedy(epsilon, false);
            case EPS_DECAY -> new EpsilonGreedy(epsilon, true);
            case UCB1 -> new Ucb1();
            case KL_UCB -> new KlUcb();
            case THOMPSON -> new ThompsonSampling(priorA, priorB);
        };
    }
}
