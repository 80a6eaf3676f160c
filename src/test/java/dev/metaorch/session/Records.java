package dev.metaorch.session;

import dev.metaorch.common.Json;
import java.util.List;

/** Test records. */
public final class Records {
    private Records() {
    }

    public static SessionRecord record(String run, String arm, long pair, boolean success) {
        return new SessionRecord(SessionRecord.SCHEMA, run + "/" + arm + "/" + pair, run, "exp", arm, "h", "simulated",
                "gpt-4o-mini", new SessionRecord.TaskRef("t" + pair % 7, "t" + pair % 7, "code" + pair % 3, true, 3),
                pair, 0, pair * 31, 1, "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", 1000,
                success ? Outcome.SUCCESS : Outcome.FAILURE, success, null, SessionRecord.Tokens.of(1000, 100, 200), 3,
                0.001, "v1", 3, List.of("abc"), null, Json.object());
    }
}
