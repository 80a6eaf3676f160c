package dev.metaorch.runner;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import dev.metaorch.session.Outcome;
import dev.metaorch.session.SessionRecord;
import dev.metaorch.session.SessionRecord.ErrorInfo;
import dev.metaorch.session.SessionRecord.TaskRef;
import dev.metaorch.session.SessionRecord.Tokens;
import dev.metaorch.session.SessionStore;
import dev.metaorch.variant.Cancellation;
import dev.metaorch.variant.SessionRequest;
import dev.metaorch.variant.SessionResult;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs sessions through their variants with bounded concurrency. Every attempt becomes a
 * {@link SessionRecord} appended durably to the store before anything counts it; infrastructure
 * outcomes ({@code error}, {@code timeout}) are retried with exponential backoff and the last
 * attempt is the one that counts. A timeout watchdog raises the session's cancellation at its
 * deadline; {@link #cancelAll} cancels every session in flight (logged as {@code cancelled}).
 * <p>Agent processes (docs/agents-processes.md): the constructor reaps the agents an earlier
 * metaorch left on the run ({@link InflightAgents#reap}); each attempt's request carries
 * {@link InflightAgents#attempt}, which lists its agent in {@code agents.inflight} until its record
 * is durable ({@link InflightAgents#settle}); a shutdown hook, removed by {@link #close}, kills every agent in flight on
 * SIGTERM/SIGINT and waits for their records.
 */
public final class SessionRunner implements SessionExecutor {
    /** Told about every attempt once it is durable. */
    public interface Listener {
        void onAttempt(SessionRecord record);
    }

    private final SessionStore store;
    private final String runId;
    private final long runSeed;
    private final RunnerOptions options;
    private final Listener listener;
    private final BudgetGate budget;
    private final ExecutorService workers;
    private final ScheduledExecutorService watchdog;
    private final Set<Cancellation> live = ConcurrentHashMap.newKeySet();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CountDownLatch stopping = new CountDownLatch(1);
    private volatile String stopReason;
    /** The agent process groups in flight ({@code runs/<id>/agents.inflight}); killed by {@link #shutdownHook}. */
    private final InflightAgents agents;
    private final Thread shutdownHook;
    private final InflightAgents.Reaped reaped;

    public SessionRunner(SessionStore store, String runId, long runSeed, RunnerOptions options, Listener listener) {
        this(store, runId, runSeed, options, listener, BudgetGate.unlimited());
    }

    /**
     * A runner whose attempts go through {@code budget}: the first attempt of a job comes with its
     * reservation; every retry reserves again and is not made when the gate refuses.
     */
    public SessionRunner(SessionStore store, String runId, long runSeed, RunnerOptions options, Listener listener,
            BudgetGate budget) {
        this.budget = budget;
        this.store = store;
        this.runId = runId;
        this.runSeed = runSeed;
        this.options = options;
        this.listener = listener;
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(options.concurrency(), r -> {
            Thread t = new Thread(r, "session-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "session-watchdog");
            t.setDaemon(true);
            return t;
        });
        // agents left by a metaorch that died on this run (kill -9) die before anything is launched
        Path runDir = options.logDir() == null ? null : options.logDir().toAbsolutePath().getParent();
        try {
            this.reaped = runDir == null ? new InflightAgents.Reaped(0, 0, List.of(), List.of())
                    : InflightAgents.reap(runDir, store);
        } catch (IOException e) {
            throw MetaorchException.runtime(runDir.resolve(InflightAgents.FILE) + ": " + e.getMessage(), e);
        }
        this.agents = new InflightAgents(runDir);
        this.shutdownHook = new Thread(this::stopAgents, "agents-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * True once the JVM is shutting down (SIGTERM, SIGINT): agents are being killed and no new
     * attempt starts ({@link #submit} completes with the last attempt's record, or null). A launch
     * loop treats it as an interrupt.
     */
    @Override
    public boolean shuttingDown() {
        return agents.stopping();
    }

    /** What the constructor's reaper found from an earlier metaorch on this run (see {@link InflightAgents#reap}). */
    public InflightAgents.Reaped reaped() {
        return reaped;
    }

    /**
     * The shutdown hook (SIGTERM, SIGINT): kills every agent group in flight at once, refuses new
     * ones, then waits (at most 5 s) until the killed attempts' records, with what they cost, are durable.
     */
    void stopAgents() {
        agents.stopAll(InflightAgents.KILL_GRACE_MS);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (agents.size() > 0 && System.nanoTime() < end) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * Runs {@code job} (first attempt number {@code firstAttempt}); the future completes with the
     * final attempt's record, or null when the runner was stopped before the job started.
     */
    public CompletableFuture<SessionRecord> submit(SessionJob job, int firstAttempt) {
        return submit(job, firstAttempt, budget.tryReserve(job.arm().arm()));
    }

    /**
     * Runs {@code job} whose first attempt holds {@code reservation} (null: the gate refused, and
     * the job completes with null at once).
     */
    @Override
    public CompletableFuture<SessionRecord> submit(SessionJob job, int firstAttempt, BudgetGate.Reservation reservation) {
        CompletableFuture<SessionRecord> result = new CompletableFuture<>();
        if (reservation == null) {
            result.complete(null);
            return result;
        }
        inFlight.incrementAndGet();
        workers.execute(() -> {
            try {
                result.complete(runAttempts(job, firstAttempt, reservation));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            } finally {
                inFlight.decrementAndGet();
            }
        });
        return result;
    }

    public CompletableFuture<SessionRecord> submit(SessionJob job) {
        return submit(job, 1);
    }

    private SessionRecord runAttempts(SessionJob job, int firstAttempt, BudgetGate.Reservation first)
            throws IOException {
        SessionRecord last = null;
        BudgetGate.Reservation held = first;
        // attempt numbers are absolute: a session has retries + 1 attempts in all (a cancelled
        // attempt, re-run on resume, is replaced by the next number, and at least one runs)
        int lastAttempt = Math.max(firstAttempt, options.retries() + 1);
        for (int attempt = firstAttempt; attempt <= lastAttempt; attempt++) {
            if (held == null) {
                held = budget.tryReserve(job.arm().arm());
                if (held == null) {
                    return last;
                }
            }
            if (stopReason != null || agents.stopping()) {
                budget.release(held);
                return last;
            }
            try {
                budget.openSession(job.sessionId(runId), held);
                try {
                    last = runOnce(job, attempt);
                } finally {
                    budget.closeSession(job.sessionId(runId));
                }
                store.append(last);
                agents.settle(last);
            } catch (RuntimeException | IOException | Error e) {
                budget.release(held);
                throw e;
            }
            budget.settle(held, last.costNanos());
            held = null;
            listener.onAttempt(last);
            if (!last.outcome().isInfrastructure() || last.outcome() == Outcome.CANCELLED) {
                return last;
            }
            if (attempt < lastAttempt && backoff(attempt - firstAttempt)) {
                return last;
            }
        }
        return last;
    }

    /** Waits before a retry; true when the runner is stopping. */
    private boolean backoff(int retryIndex) {
        long ms = Math.min(30_000L, options.backoffMs() << Math.min(20, retryIndex));
        try {
            return stopping.await(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private SessionRecord runOnce(SessionJob job, int attempt) {
        ArmSetup arm = job.arm();
        Cancellation cancel = new Cancellation();
        AtomicBoolean timedOut = new AtomicBoolean();
        Instant started = Instant.now();
        Instant deadline = started.plusMillis((long) (options.timeoutS() * 1000));
        String sessionId = job.sessionId(runId);
        var logFile = options.logDir() == null ? null
                : options.logDir().resolve(sessionId.replace('/', '_') + ".a" + attempt + ".stderr.log");
        SessionRequest request = new SessionRequest(sessionId, job.pair(), job.task(), arm.config(), job.seed(runSeed),
                attempt, deadline, cancel,
                new SessionRequest.Limits(options.timeoutS(), options.maxSteps(), options.maxCostPerSessionUsd()), logFile,
                agents.attempt(toRecord(job, attempt, started, job.seed(runSeed), provisional())));
        live.add(cancel);
        if (stopReason != null) {
            cancel.cancel(stopReason);
        }
        ScheduledFuture<?> timer = watchdog.schedule(() -> {
            timedOut.set(true);
            cancel.cancel("timeout after " + options.timeoutS() + " s");
        }, Duration.between(Instant.now(), deadline).toMillis(), TimeUnit.MILLISECONDS);
        SessionResult result;
        try {
            result = arm.variant().run(request);
            if (result == null) {
                result = SessionResult.infrastructure(Outcome.ERROR, "variant_error", "variant returned no result",
                        0, Tokens.ZERO, 0, 0);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result = SessionResult.infrastructure(Outcome.CANCELLED, "interrupted", "session thread interrupted",
                    millisSince(started), Tokens.ZERO, 0, 0);
        } catch (MetaorchException e) {
            throw e;
        } catch (Exception | LinkageError e) {
            result = SessionResult.infrastructure(Outcome.ERROR, e.getClass().getSimpleName(),
                    String.valueOf(e.getMessage()), millisSince(started), Tokens.ZERO, 0, 0);
        } finally {
            timer.cancel(false);
            live.remove(cancel);
        }
        if (result.outcome() == Outcome.CANCELLED && timedOut.get()) {
            result = new SessionResult(Outcome.TIMEOUT, false, null, result.tokens(), result.llmCalls(), result.steps(),
                    result.latencyMs(), new ErrorInfo("timeout", "session exceeded " + options.timeoutS() + " s"),
                    result.metrics(), result.costUsd());
        }
        return toRecord(job, attempt, started, request.seed(), result);
    }

    /** What an attempt is while its agent runs: a reaper logs it so, with its spend, if metaorch dies. */
    private static SessionResult provisional() {
        return SessionResult.infrastructure(Outcome.CANCELLED, "orphaned", "", 0, Tokens.ZERO, 0, 0);
    }

    private static long millisSince(Instant t) {
        return Duration.between(t, Instant.now()).toMillis();
    }

    private SessionRecord toRecord(SessionJob job, int attempt, Instant started, long seed, SessionResult r) {
        ArmSetup arm = job.arm();
        Tokens t = r.tokens() == null ? Tokens.ZERO : r.tokens();
        long nanos = r.costUsd() != null && Double.isFinite(r.costUsd()) ? dev.metaorch.common.Money.nanos(r.costUsd())
                : arm.price().costNanos(t.prompt(), t.cachedPrompt(), t.completion());
        double cost = dev.metaorch.common.Money.usd(nanos);
        var task = job.task();
        ObjectNode metrics = r.metrics() == null ? Json.object() : r.metrics();
        return new SessionRecord(SessionRecord.SCHEMA, job.sessionId(runId), runId, arm.config().experimentId(), arm.arm(),
                arm.config().configHash(), arm.config().variant(), arm.config().modelId(),
                new TaskRef(task.id(), task.id(), task.code(), task.solvable(), task.optimalSteps()),
                job.pair(), job.repeat(), seed, attempt, started.toString(), Instant.now().toString(), r.latencyMs(),
                r.outcome(), r.success() && !r.outcome().isInfrastructure(), r.externalScore(), t, r.llmCalls(),
                cost, arm.priceVersion(), r.steps(), arm.config().guidelineHashes(), r.error(), metrics);
    }

    /** Stops launching attempts and cancels every session in flight. */
    @Override
    public void cancelAll(String reason) {
        stopReason = reason;
        stopping.countDown();
        live.forEach(c -> c.cancel(reason));
    }

    @Override
    public void close() {
        workers.shutdown();
        try {
            if (!workers.awaitTermination(60, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
        watchdog.shutdownNow();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook is running or has run
        }
    }
}
