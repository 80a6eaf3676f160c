package dev.metaorch.store;

import dev.metaorch.common.Json;
import dev.metaorch.config.Task;
import dev.metaorch.runner.ArmSetup;
import dev.metaorch.runner.SessionJob;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord;
import java.time.Instant;

/**
 * The record of an attempt whose worker stopped renewing its lease (killed, cut off): outcome
 * {@code cancelled} with error type {@value #TYPE}, and the cost the store knows of it, which is
 * none (a worker that dies takes what its agent spent with it; the metering proxy's own log, on
 * the worker's machine, is the only trace). The coordinator then issues the session again under
 * a new attempt number; a lost attempt does not use up one of the session's retries.
 */
public final class LostAttempts {
    public static final String TYPE = dev.metaorch.session.RunLedger.LOST;

    private LostAttempts() {
    }

    public static boolean isLost(SessionRecord r) {
        return dev.metaorch.session.RunLedger.isLost(r);
    }

    static SessionRecord record(AttemptKey k, ArmSetup arm, Task task, long runSeed, String worker, Instant claimedAt) {
        SessionJob job = new SessionJob(arm, k.pair(), k.repeat(), task);
        var c = arm.config();
        return new SessionRecord(SessionRecord.SCHEMA, job.sessionId(k.runId()), k.runId(), c.experimentId(), k.arm(),
                c.configHash(), c.variant(), c.modelId(),
                new SessionRecord.TaskRef(task.id(), task.id(), task.code(), task.solvable(), task.optimalSteps()),
                k.pair(), k.repeat(), job.seed(runSeed), k.attempt(), String.valueOf(claimedAt), Instant.now().toString(),
                0, Outcome.CANCELLED, false, null, SessionRecord.Tokens.ZERO, 0, 0.0, arm.priceVersion(), 0,
                c.guidelineHashes(), new SessionRecord.ErrorInfo(TYPE, "the lease of worker " + worker
                        + " expired: the worker stopped renewing it (killed or cut off); what its agent spent is unknown"),
                Json.object());
    }
}
