package dev.metaorch.variant;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The processes of one agent: on Linux with util-linux {@code setsid}, a session of its own
 * whose id is the agent's pid ({@code pid == pgid == sid}), so that it and everything it forks
 * (children, grandchildren reparented to init, processes that moved to another process group
 * of the session) can be found in {@code /proc} and killed together. Only a process that calls
 * {@code setsid()} itself leaves the session (docs/agents-processes.md says what would catch it).
 * <p>Without {@code /proc} or {@code setsid} ({@link #isolated()} false) the group is the agent
 * and its live descendants as {@link ProcessHandle} sees them: grandchildren whose parent died
 * escape. Killing never touches a process that started before the agent's leader (its pid may
 * have been reused) and ignores zombies, which are dead already.
 *
 * @param pgid       the leader's pid, which is also the process group and session id when isolated
 * @param startTicks the leader's start time in clock ticks since boot ({@code /proc/<pid>/stat} field 22),
 *                   0 when unknown; with the boot id it tells the same process from a reused pid
 * @param isolated   whether the agent runs in a session of its own
 */
public record AgentGroup(long pgid, long startTicks, boolean isolated) {
    private static final Path PROC = Path.of("/proc");

    /** One line of {@code /proc/<pid>/stat}: the fields this class needs. */
    public record ProcStat(long pid, char state, long ppid, long pgrp, long session, long startTicks) {
        /** A zombie (or dead) process has exited already; it holds no resources a kill could free. */
        public boolean isDead() {
            return state == 'Z' || state == 'X' || state == 'x';
        }
    }

    /** Whether this system has {@code /proc/<pid>/stat} to find a session's processes. */
    public static boolean procAvailable() {
        return stat(ProcessHandle.current().pid()).isPresent();
    }

    /** The kernel's boot id: start ticks only identify a process within one boot. Empty when unknown. */
    public static String bootId() {
        try {
            return Files.readString(PROC.resolve("sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).trim();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** {@code /proc/<pid>/stat} of a process, empty when it does not exist (or there is no /proc). */
    public static Optional<ProcStat> stat(long pid) {
        try {
            return Optional.of(parse(pid, Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"),
                    StandardCharsets.ISO_8859_1)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static ProcStat parse(long pid, String line) {
        // "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses, so split after the last ')'
        String[] f = line.substring(line.lastIndexOf(')') + 2).trim().split(" ");
        return new ProcStat(pid, f[0].charAt(0), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                Long.parseLong(f[19]));
    }

    /**
     * The group of a freshly started agent. When {@code isolated}, waits (at most {@code waitMs})
     * until {@code setsid} has made the process a session leader, so that what it forks afterwards
     * is in its session; returns a non-isolated group if that never happens.
     */
    public static AgentGroup of(Process process, boolean isolated, long waitMs) throws InterruptedException {
        long pid = process.pid();
        if (!isolated) {
            return new AgentGroup(pid, stat(pid).map(ProcStat::startTicks).orElse(0L), false);
        }
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
        long pause = 1;
        while (true) {
            Optional<ProcStat> s = stat(pid);
            if (s.isEmpty() || s.get().isDead()) {
                // exited already: whatever it forked after setsid is in session pid
                return new AgentGroup(pid, s.map(ProcStat::startTicks).orElse(0L), true);
            }
            if (s.get().session() == pid) {
                return new AgentGroup(pid, s.get().startTicks(), true);
            }
            if (System.nanoTime() > end) {
                return new AgentGroup(pid, s.get().startTicks(), false);
            }
            Thread.sleep(pause);
            pause = Math.min(10, pause * 2);
        }
    }

    /** Whether the leader is still the process recorded (not a reused pid). Unknown start ticks match. */
    public boolean leaderIs(ProcStat s) {
        return startTicks == 0 || s.startTicks() == startTicks;
    }

    /**
     * The live processes of the group: the leader (if it is still the recorded process) and, when
     * isolated, every non-zombie process of its session that started no earlier than the leader;
     * otherwise the leader's live descendants.
     */
    public List<Long> members() {
        List<Long> out = new ArrayList<>();
        if (!isolated) {
            ProcessHandle.of(pgid).filter(ProcessHandle::isAlive).ifPresent(h -> {
                if (stat(pgid).map(s -> leaderIs(s) && !s.isDead()).orElse(true)) {
                    h.descendants().forEach(d -> out.add(d.pid()));
                    out.add(pgid);
                }
            });
            return out;
        }
        Optional<ProcStat> leader = stat(pgid);
        if (leader.isPresent() && !leaderIs(leader.get())) {
            return out; // the pid was reused: while any process of our session lived, the kernel kept the number
        }
        if (leader.isPresent() && !leader.get().isDead() && leader.get().session() != pgid) {
            out.add(pgid); // not yet a session leader (setsid has not run): it can have forked nothing yet
        }
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC)) {
            for (Path p : dir) {
                String name = p.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
                    continue;
                }
                long pid;
                try {
                    pid = Long.parseLong(name);
                } catch (NumberFormatException e) {
                    continue;
                }
                if (pid == self) {
                    continue;
                }
                Optional<ProcStat> s = stat(pid);
                if (s.isPresent() && s.get().session() == pgid && !s.get().isDead()
                        && s.get().startTicks() >= startTicks) {
                    out.add(pid);
                }
            }
        } catch (IOException e) {
            // /proc vanished: nothing we could signal either
        }
        return out;
    }

    /** Whether no process of the group is alive. */
    public boolean isDead() {
        return members().isEmpty();
    }

    /**
     * SIGTERM to every process of the group, then SIGKILL to whatever is left after
     * {@code graceMs}, repeated until none is left (a process forking during the kill is caught
     * on the next pass). Never throws and is not interruptible (the interrupt flag is restored).
     *
     * @return how many processes were signalled
     */
    public int kill(long graceMs) {
        boolean interrupted = Thread.interrupted();
        try {
            List<Long> members = members();
            if (members.isEmpty()) {
                return 0;
            }
            java.util.Set<Long> signalled = new java.util.HashSet<>(members);
            members.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy));
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMs);
            long pause = 2;
            while (!members.isEmpty() && System.nanoTime() < end) {
                interrupted |= pause(pause);
                pause = Math.min(50, pause * 2);
                members = members();
                // late forks get the SIGTERM too
                for (Long pid : members) {
                    if (signalled.add(pid)) {
                        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
                    }
                }
            }
            for (int round = 0; round < 200 && !members.isEmpty(); round++) {
                signalled.addAll(members);
                members.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
                interrupted |= pause(round < 5 ? 1 : 10);
                members = members();
            }
            return signalled.size();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Sleeps; true when interrupted (the kill goes on, the caller restores the flag). */
    private static boolean pause(long ms) {
        try {
            Thread.sleep(ms);
            return false;
        } catch (InterruptedException e) {
            return true;
        }
    }
}
