package dev.metaorch.variant;

import dev.metaorch.session.SessionRecord.Tokens;
import java.io.IOException;
import java.util.List;

/**
 * Where a variant records the agent processes it starts, so that none outlives metaorch
 * (DESIGN.md "No orphaned agents"). The runner's implementation keeps the groups in flight in
 * the run folder ({@code agents.inflight}) and kills them all when metaorch is shutting down;
 * the next start on the run kills any survivor before it relaunches anything.
 * <p>A variant calls {@link #track} after starting the agent and before giving it work (the
 * start message), reports what the agent spent with {@link Tracked#spent} as it goes, and
 * closes the handle once the group is dead.
 */
public interface AgentProcesses {
    /** Records nothing: for callers without a runner (a variant run directly). Never stopping. */
    AgentProcesses UNTRACKED = new AgentProcesses() {
        @Override
        public Tracked track(AgentGroup group, List<String> command) {
            return new Tracked() {
                @Override
                public void spent(Tokens tokens, int llmCalls, double costUsd) {
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public boolean stopping() {
            return false;
        }
    };

    /**
     * Records a started agent's group, durably enough that a later metaorch finds it after a
     * {@code kill -9} of this one.
     *
     * @throws StoppingException when metaorch is shutting down: the caller kills the group at once
     * @throws IOException when the record cannot be written: the caller kills the group
     */
    Tracked track(AgentGroup group, List<String> command) throws IOException;

    /** True once metaorch is shutting down: every tracked group is being killed, new ones are refused. */
    boolean stopping();

    /** One tracked group. */
    interface Tracked extends AutoCloseable {
        /** The agent's spend so far (totals), kept with the group so that a reaper can record what it cost. */
        void spent(Tokens tokens, int llmCalls, double costUsd);

        /** Forgets the group: call once it is dead. */
        @Override
        void close();
    }

    /** Thrown by {@link #track} while metaorch is shutting down. */
    final class StoppingException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        public StoppingException() {
            super("metaorch is shutting down");
        }
    }
}
