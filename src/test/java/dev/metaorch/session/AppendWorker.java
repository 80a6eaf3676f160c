package dev.metaorch.session;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Child-process main for the cross-process append test: THREADS threads append PER_THREAD records each. */
public final class AppendWorker {
    private AppendWorker() {
    }

    public static void main(String[] args) throws Exception {
        Path log = Path.of(args[0]);
        String name = args[1];
        int threads = Integer.parseInt(args[2]);
        int perThread = Integer.parseInt(args[3]);
        try (JsonlSessionStore store = JsonlSessionStore.open(log)) {
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                ts.add(new Thread(() -> {
                    for (int i = 0; i < perThread; i++) {
                        try {
                            store.append(Records.record(name, "t" + id, i, i % 2 == 0));
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }));
            }
            ts.forEach(Thread::start);
            for (Thread t : ts) {
                t.join();
            }
            System.out.println("forces " + store.forces());
        }
    }
}
