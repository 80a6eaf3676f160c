package dev.metaorch.proxy;

import dev.metaorch.variant.Cancellation;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the proxy knows about one session attempt: its token, its cap, the calls in flight and
 * done, the exact spend. All state is guarded by the instance's monitor.
 */
final class ProxySession {
    final String sessionId;
    final String token;
    final Cancellation cancellation;
    final BigDecimal capUsd;
    final Instant deadline;
    private final List<RecordedCall> recording;
    private final List<LlmCall> calls = new ArrayList<>();
    private final Map<Integer, LlmCall> inFlight = new TreeMap<>();
    private final List<String> warnings = new ArrayList<>();
    private int seq;
    private BigDecimal spent = BigDecimal.ZERO;
    private BigDecimal reserved = BigDecimal.ZERO;
    private boolean closed;

    ProxySession(String sessionId, String token, Cancellation cancellation, BigDecimal capUsd, Instant deadline,
            boolean record) {
        this.sessionId = sessionId;
        this.token = token;
        this.cancellation = cancellation;
        this.capUsd = capUsd;
        this.deadline = deadline;
        this.recording = record ? new ArrayList<>() : null;
    }

    /** Numbers a new call and marks it in flight; -1 when the session is over. */
    synchronized int begin(String path, String requestModel, boolean stream) {
        if (closed) {
            return -1;
        }
        seq++;
        inFlight.put(seq, new LlmCall(seq, path, requestModel, null, null, 0, stream, 0, 0, 0, BigDecimal.ZERO,
                "abandoned"));
        return seq;
    }

    /**
     * What the next call is expected to cost: the larger of the size-based estimate and the mean
     * cost of the session's calls so far (agents' calls grow with the conversation).
     */
    synchronized BigDecimal estimate(BigDecimal sizeBased) {
        long priced = calls.stream().filter(c -> c.error() == null).count();
        if (priced == 0) {
            return sizeBased;
        }
        BigDecimal mean = calls.stream().filter(c -> c.error() == null).map(LlmCall::costUsd)
                .reduce(BigDecimal.ZERO, BigDecimal::add).divide(BigDecimal.valueOf(priced), 12, RoundingMode.CEILING);
        return mean.max(sizeBased);
    }

    /** Holds {@code estimate} against the session's cap; false when the call would cross it. */
    synchronized boolean reserve(BigDecimal estimate) {
        if (capUsd != null && spent.add(reserved).add(estimate).compareTo(capUsd) > 0) {
            return false;
        }
        reserved = reserved.add(estimate);
        return true;
    }

    /** The call is over: release its reservation (if any) and keep it. */
    synchronized void complete(LlmCall call, BigDecimal reservation, RecordedCall recorded) {
        reserved = reserved.subtract(reservation);
        spent = spent.add(call.costUsd());
        inFlight.remove(call.seq());
        if (!closed) {
            calls.add(call);
            if (recording != null && recorded != null) {
                recording.add(recorded);
            }
        } else {
            warnings.add("call " + call.seq() + " ended after the session (" + call.promptTokens() + " prompt, "
                    + call.completionTokens() + " completion tokens, $" + call.costUsd().toPlainString()
                    + ") and is not in its record");
        }
        notifyAll();
    }

    synchronized BigDecimal spent() {
        return spent;
    }

    synchronized void warning(String message) {
        warnings.add(message);
    }

    /**
     * Ends the session: waits up to {@code graceMs} for calls in flight, then gives them up as
     * {@code abandoned}. Returns the calls in order; later calls are refused.
     */
    synchronized Closed close(long graceMs) throws InterruptedException {
        long end = System.nanoTime() + graceMs * 1_000_000L;
        while (!inFlight.isEmpty() && !closed) {
            long left = (end - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                break;
            }
            wait(left);
        }
        if (!closed) {
            closed = true;
            calls.addAll(inFlight.values());
            inFlight.values().forEach(c -> warnings.add("call " + c.seq() + " was still waiting for the upstream when "
                    + "the session ended: abandoned, its cost is unknown"));
            calls.sort(Comparator.comparingInt(LlmCall::seq));
            if (recording != null) {
                recording.sort(Comparator.comparingInt(RecordedCall::seq));
            }
        }
        return new Closed(List.copyOf(calls), List.copyOf(warnings), recording == null ? null : List.copyOf(recording));
    }

    record Closed(List<LlmCall> calls, List<String> warnings, List<RecordedCall> recording) {
    }
}
