package dev.metaorch.runner;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.metaorch.common.Json;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.session.SessionRecord.ErrorInfo;
import dev.metaorch.session.SessionRecord.Tokens;
import dev.metaorch.session.SessionStore;
import dev.metaorch.variant.AgentGroup;
import dev.metaorch.variant.AgentProcesses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The agent process groups in flight of one run, kept in {@code runs/<id>/agents.inflight}
 * (one JSON line per group: its id and start time, so that a reaper can tell it from a reused
 * pid, the command, and the attempt it serves as a provisional {@code cancelled} record with
 * the spend reported so far). A group is written before its agent gets its start message and
 * leaves the file once the attempt's record is durable, so whatever {@code kill -9} interrupts
 * is either in the session log or here.
 * <p>The file is rewritten (temp file and rename) without {@code fsync}: it only has to
 * survive the death of this process, which the page cache does; a machine crash kills the
 * agents too (ADR-101).
 * <p>{@link #reap} is what the next start on the run calls, before it relaunches anything: it
 * kills any survivor (the whole group) and appends the provisional records to the session log.
 * {@link #stopAll} is what the runner's shutdown hook calls on SIGTERM/SIGINT.
 */
public final class InflightAgents {
    public static final String FILE = "agents.inflight";
    /** SIGTERM to SIGKILL when killing survivors or stopping. */
    public static final long KILL_GRACE_MS = 1000;

    /** One line of {@code agents.inflight}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Entry(long pgid, long startTicks, boolean isolated, String bootId, long ownerPid, long ownerStartTicks,
            List<String> command, String registeredAt, SessionRecord attempt) {

        AgentGroup group() {
            return new AgentGroup(pgid, startTicks, isolated);
        }
    }

    /** What {@link #reap} did: groups killed, processes signalled, attempts recorded, entries left alone and why. */
    public record Reaped(int groups, int processes, List<SessionRecord> recorded, List<String> skipped) {
        public boolean isEmpty() {
            return groups == 0 && recorded.isEmpty() && skipped.isEmpty();
        }
    }

    private final Path file;
    private final String bootId = AgentGroup.bootId();
    private final long ownerPid = ProcessHandle.current().pid();
    private final long ownerStartTicks = AgentGroup.stat(ownerPid).map(AgentGroup.ProcStat::startTicks).orElse(0L);
    /** Guarded by {@code this}: the groups in flight, by attempt ({@code <session id>#<attempt>}). */
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    /** Guarded by {@code this}: attempts whose group is dead (still listed until the record is durable). */
    private final Set<String> dead = new HashSet<>();
    private volatile boolean stopping;
    /** Guarded by {@code this}: bumped by every change of {@link #entries}. */
    private long version;
    private final Object writeLock = new Object();
    /** Guarded by {@link #writeLock}: the version on disk. */
    private long written;

    /** A registry kept in {@code runDir/agents.inflight}, or in memory only when {@code runDir} is null. */
    public InflightAgents(Path runDir) {
        this.file = runDir == null ? null : runDir.resolve(FILE);
    }

    /**
     * One attempt's view, the {@link AgentProcesses} of its request: {@code provisional} is what a
     * reaper logs for it (as {@code cancelled}, with the spend reported so far) if metaorch dies
     * while its agent runs. Call {@link #settle} once the attempt's record is durable.
     */
    public AgentProcesses attempt(SessionRecord provisional) {
        return new Attempt(key(provisional), provisional(provisional));
    }

    /** The attempt's record is durable: its group leaves the registry. */
    public void settle(SessionRecord record) {
        remove(key(record));
    }

    private static String key(SessionRecord r) {
        return r.sessionId() + "#" + r.attempt();
    }

    public boolean stopping() {
        return stopping;
    }

    /** Groups listed (in flight, or dead with a record not yet durable). */
    public synchronized int size() {
        return entries.size();
    }

    /**
     * Refuses new groups and kills every group in flight, all at once (SIGTERM, then SIGKILL
     * after {@code graceMs}). Their attempts end as {@code cancelled} with their spend.
     *
     * @return how many processes were signalled
     */
    public int stopAll(long graceMs) {
        stopping = true;
        List<AgentGroup> groups = new ArrayList<>();
        synchronized (this) {
            entries.forEach((id, e) -> {
                if (!dead.contains(id)) {
                    groups.add(e.group());
                }
            });
        }
        return killAll(groups, graceMs);
    }

    /** Kills the groups in parallel (each one SIGTERM, grace, SIGKILL); the number of processes signalled. */
    static int killAll(List<AgentGroup> groups, long graceMs) {
        if (groups.size() == 1) {
            return groups.get(0).kill(graceMs);
        }
        int[] counts = new int[groups.size()];
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            int k = i;
            Thread t = new Thread(() -> counts[k] = groups.get(k).kill(graceMs), "agent-kill");
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        boolean interrupted = false;
        for (Thread t : threads) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        int total = 0;
        for (int c : counts) {
            total += c;
        }
        return total;
    }

    private void put(String id, Entry e) throws IOException {
        synchronized (this) {
            if (stopping) {
                throw new AgentProcesses.StoppingException();
            }
            entries.put(id, e);
            version++;
        }
        flush();
    }

    private void update(String id, Tokens tokens, int calls, double cost) {
        synchronized (this) {
            Entry e = entries.get(id);
            if (e == null || e.attempt() == null) {
                return;
            }
            entries.put(id, new Entry(e.pgid(), e.startTicks(), e.isolated(), e.bootId(), e.ownerPid(),
                    e.ownerStartTicks(), e.command(), e.registeredAt(),
                    withSpend(e.attempt(), tokens, calls, cost, Instant.now())));
            version++;
        }
        try {
            flush();
        } catch (IOException ex) {
            // the entry with its earlier spend stays on disk; the session goes on
        }
    }

    private synchronized void markDead(String id) {
        dead.add(id);
    }

    private void remove(String id) {
        synchronized (this) {
            dead.remove(id);
            if (entries.remove(id) == null) {
                return;
            }
            version++;
        }
        try {
            flush();
        } catch (IOException e) {
            // a stale line only makes the next start check a dead group and find its record already logged
        }
    }

    /**
     * Writes the current entries unless a write that started after the last change has done so
     * (group commit: concurrent changes share one write). The file lists exactly the entries;
     * it is absent when there are none. Returns once the state of the caller's change is on disk.
     */
    private void flush() throws IOException {
        if (file == null) {
            return;
        }
        synchronized (writeLock) {
            List<Entry> snapshot;
            long v;
            synchronized (this) {
                if (version <= written) {
                    return;
                }
                snapshot = List.copyOf(entries.values());
                v = version;
            }
            if (snapshot.isEmpty()) {
                Files.deleteIfExists(file);
            } else {
                StringBuilder sb = new StringBuilder();
                for (Entry e : snapshot) {
                    sb.append(Json.line(e)).append('\n');
                }
                write(file, sb.toString());
            }
            written = v;
        }
    }

    private static void write(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static SessionRecord withSpend(SessionRecord r, Tokens tokens, int calls, double cost, Instant ended) {
        long latency = Math.max(0, Duration.between(Instant.parse(r.startedAt()), ended).toMillis());
        return new SessionRecord(r.schema(), r.sessionId(), r.runId(), r.experimentId(), r.arm(), r.configHash(),
                r.variant(), r.modelId(), r.task(), r.pair(), r.repeat(), r.seed(), r.attempt(), r.startedAt(),
                ended.toString(), latency, r.outcome(), r.success(), r.externalScore(), tokens, calls, cost,
                r.priceTable(), r.steps(), r.guidelineHashes(), r.error(), r.metrics());
    }

    /**
     * Kills the survivors listed in {@code runDir/agents.inflight} by an earlier metaorch (whole
     * groups; a pid now used by another process, or a group whose owner is still alive, is left
     * alone), appends each listed attempt that has no record yet to {@code store} as
     * {@code cancelled} with the spend it had reported, then removes the entries it handled.
     * Call it after taking the run's lock and before reading the log to resume.
     */
    /** {@link #reap}, telling {@code messages} what was skipped and what was reaped (before a resume reads the log). */
    public static Reaped reapAndReport(Path runDir, SessionStore store, java.util.function.Consumer<String> messages)
            throws IOException {
        Reaped reaped = reap(runDir, store);
        reaped.skipped().forEach(w -> messages.accept("warning: " + w));
        if (reaped.groups() > 0 || !reaped.recorded().isEmpty()) {
            messages.accept(String.format(java.util.Locale.ROOT, "reaped %d agent process group(s) (%d processes) left by "
                    + "an earlier metaorch on this run; logged %d attempt(s) they had run", reaped.groups(),
                    reaped.processes(), reaped.recorded().size()));
        }
        return reaped;
    }

    public static Reaped reap(Path runDir, SessionStore store) throws IOException {
        Path f = runDir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return new Reaped(0, 0, List.of(), List.of());
        }
        List<Entry> listed = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            try {
                listed.add(Json.mapper().readValue(line, Entry.class));
            } catch (IOException e) {
                skipped.add(f + ": line " + lineNo + ": not an agent entry, ignored");
            }
        }
        String boot = AgentGroup.bootId();
        long self = ProcessHandle.current().pid();
        List<Entry> kept = new ArrayList<>();
        List<Entry> handled = new ArrayList<>();
        List<AgentGroup> toKill = new ArrayList<>();
        for (Entry e : listed) {
            boolean sameBoot = e.bootId() == null || e.bootId().isEmpty() || e.bootId().equals(boot);
            if (sameBoot && e.ownerPid() != self && AgentGroup.stat(e.ownerPid())
                    .filter(s -> !s.isDead() && s.startTicks() == e.ownerStartTicks()).isPresent()) {
                skipped.add("agent group " + e.pgid() + " of " + e.attempt().sessionId() + " belongs to metaorch pid "
                        + e.ownerPid() + ", which is still running: left alone");
                kept.add(e);
                continue;
            }
            if (sameBoot) {
                toKill.add(e.group()); // a pid reused by another process is not a member: AgentGroup checks start times
            }
            handled.add(e);
        }
        int processes = killAll(toKill, KILL_GRACE_MS);
        Set<String> logged = new HashSet<>();
        store.forEach(r -> logged.add(r.sessionId() + "#" + r.attempt()), p -> { });
        List<SessionRecord> recorded = new ArrayList<>();
        Instant now = Instant.now();
        for (Entry e : handled) {
            SessionRecord a = e.attempt();
            if (a != null && logged.add(a.sessionId() + "#" + a.attempt())) {
                SessionRecord r = withSpend(a, a.tokens(), a.llmCalls(), a.costUsd(), now);
                store.append(r);
                recorded.add(r);
            }
        }
        if (kept.isEmpty()) {
            Files.deleteIfExists(f);
        } else {
            StringBuilder sb = new StringBuilder();
            kept.forEach(e -> sb.append(Json.line(e)).append('\n'));
            write(f, sb.toString());
        }
        return new Reaped(toKill.size(), processes, List.copyOf(recorded), List.copyOf(skipped));
    }

    /** The provisional record of an attempt whose agent may be killed with metaorch. */
    static SessionRecord provisional(SessionRecord r) {
        return new SessionRecord(r.schema(), r.sessionId(), r.runId(), r.experimentId(), r.arm(), r.configHash(),
                r.variant(), r.modelId(), r.task(), r.pair(), r.repeat(), r.seed(), r.attempt(), r.startedAt(),
                r.endedAt(), r.latencyMs(), Outcome.CANCELLED, false, null, Tokens.ZERO, 0, 0, r.priceTable(), 0,
                r.guidelineHashes(), new ErrorInfo("orphaned", "metaorch stopped (kill -9?) while this agent ran; "
                        + "its process group was reaped when the run was resumed"), Json.object());
    }

    /** One attempt's tracking: the {@link AgentProcesses} its request carries. */
    private final class Attempt implements AgentProcesses {
        private final String id;
        private final SessionRecord record;

        private Attempt(String id, SessionRecord record) {
            this.id = id;
            this.record = record;
        }

        @Override
        public Tracked track(AgentGroup group, List<String> command) throws IOException {
            put(id, new Entry(group.pgid(), group.startTicks(), group.isolated(), bootId, ownerPid, ownerStartTicks,
                    List.copyOf(command), Instant.now().toString(), record));
            return new Tracked() {
                @Override
                public void spent(Tokens tokens, int llmCalls, double costUsd) {
                    update(id, tokens, llmCalls, costUsd);
                }

                @Override
                public void close() {
                    markDead(id);
                }
            };
        }

        @Override
        public boolean stopping() {
            return stopping;
        }
    }
}
