package dev.metaorch.analysis;

import dev.metaorch.session.SessionRecord;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Filters applied in order (seed 001: {@code FilterChain().add(...).add(...)}). Predicates
 * stream; an index slice ({@link SessionFilter#lastN}) keeps only the last N records that reach
 * it and hands them on when the input ends. Use {@link #sink} to get a consumer, feed every
 * record, then call {@link Sink#finish()}.
 */
public final class FilterChain {
    private final List<SessionFilter> filters = new ArrayList<>();

    public FilterChain add(SessionFilter filter) {
        filters.add(filter);
        return this;
    }

    public int size() {
        return filters.size();
    }

    /** A consumer of records that passes the ones the chain keeps to {@code downstream}. */
    public interface Sink extends Consumer<SessionRecord> {
        void finish();
    }

    public Sink sink(Consumer<SessionRecord> downstream) {
        Sink next = new Sink() {
            @Override
            public void accept(SessionRecord r) {
                downstream.accept(r);
            }

            @Override
            public void finish() {
            }
        };
        for (int i = filters.size() - 1; i >= 0; i--) {
            SessionFilter f = filters.get(i);
            Sink after = next;
            if (f instanceof SessionFilter.LastN last) {
                ArrayDeque<SessionRecord> buffer = new ArrayDeque<>(Math.min(last.n(), 1 << 16));
                next = new Sink() {
                    @Override
                    public void accept(SessionRecord r) {
                        if (last.n() <= 0) {
                            return;
                        }
                        if (buffer.size() == last.n()) {
                            buffer.removeFirst();
                        }
                        buffer.addLast(r);
                    }

                    @Override
                    public void finish() {
                        buffer.forEach(after);
                        buffer.clear();
                        after.finish();
                    }
                };
            } else {
                next = new Sink() {
                    @Override
                    public void accept(SessionRecord r) {
                        if (f.test(r)) {
                            after.accept(r);
                        }
                    }

                    @Override
                    public void finish() {
                        after.finish();
                    }
                };
            }
        }
        return next;
    }

    /** Runs {@code records} through the chain into {@code downstream}. */
    public void apply(Iterable<SessionRecord> records, Consumer<SessionRecord> downstream) {
        Sink s = sink(downstream);
        records.forEach(s);
        s.finish();
    }
}
