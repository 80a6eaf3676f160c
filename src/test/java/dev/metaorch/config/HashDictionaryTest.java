package dev.metaorch.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metaorch.common.Hashing;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HashDictionaryTest {
    @TempDir
    Path results;

    @Test
    void twoThreadsUpdatingAtOnceLoseNoEntry() throws Exception {
        HashDictionary dict = new HashDictionary(results);
        CyclicBarrier start = new CyclicBarrier(2);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            int id = t;
            threads.add(new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < 200; i++) {
                        String text = "guideline " + id + "-" + i;
                        dict.addAll(Map.of(Hashing.md5(text), text));
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        Map<String, String> all = dict.read();
        assertThat(all).hasSize(400);
        assertThat(all.get(Hashing.md5("guideline 1-199"))).isEqualTo("guideline 1-199");
    }

    @Test
    void addingKnownEntriesDoesNotRewrite() throws Exception {
        HashDictionary dict = new HashDictionary(results);
        assertThat(dict.addAll(Map.of("h", "t"))).isEqualTo(1);
        assertThat(dict.addAll(Map.of("h", "t"))).isZero();
    }
}
