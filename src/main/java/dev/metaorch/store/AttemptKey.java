package dev.metaorch.store;

import dev.metaorch.session.SessionRecord;

/** One attempt of one session of a run: the key of the work queue and of the records. */
public record AttemptKey(String runId, String arm, long pair, int repeat, int attempt) {
    public static AttemptKey of(SessionRecord r) {
        return new AttemptKey(r.runId(), r.arm(), r.pair(), r.repeat(), r.attempt());
    }

    /** The session this attempt belongs to. */
    public SessionKey session() {
        return new SessionKey(arm, pair, repeat);
    }

    /** A session of a run: what retries and re-issues share. */
    public record SessionKey(String arm, long pair, int repeat) {
    }
}
