package dev.metaorch.variant;

import java.util.Optional;

/** An agent implementation serving one arm; {@link #run} may be called from several threads at once. */
public interface Variant extends AutoCloseable {

    /** Runs one session. Must honour the request's deadline and cancellation. */
    SessionResult run(SessionRequest request) throws Exception;

    /** A prior estimate of one session's tokens, used to project cost before a run. */
    default Optional<TokenEstimate> estimate() {
        return Optional.empty();
    }

    /**
     * Whether this instance keeps state across the arm's sessions that later sessions depend on
     * (a cache, a turn order). With a team store, all of such an arm's sessions then run on one
     * worker: the first to claim one adopts the arm. Default false: sessions may run anywhere.
     */
    default boolean keepsStateAcrossSessions() {
        return false;
    }

    /**
     * For a variant that {@linkplain #keepsStateAcrossSessions keeps state}: this instance takes
     * over an arm whose pairs below {@code pair} ran elsewhere (a worker that stopped or died);
     * it will not be asked for them, so it must not wait for them. Called once, before its first
     * session. Default: nothing.
     */
    default void startAt(long pair) {
    }

    @Override
    default void close() {
    }

    /** Expected tokens per session. */
    record TokenEstimate(double prompt, double cachedPrompt, double completion) {
    }
}
