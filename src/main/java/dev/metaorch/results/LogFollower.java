package dev.metaorch.results;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Follows a {@code sessions.jsonl} from where it stopped: complete lines only (an unterminated
 * tail may be a live append and is read once it ends), so polling costs only what was appended.
 */
final class LogFollower implements RecordFeed {
    private final Path log;
    private long offset;

    LogFollower(Path log) {
        this.log = log;
    }

    @Override
    public void poll(Consumer<String> lines) throws IOException {
        if (!Files.isRegularFile(log)) {
            return;
        }
        try (RandomAccessFile raf = new RandomAccessFile(log.toFile(), "r")) {
            long size = raf.length();
            while (size > offset) {
                byte[] bytes = new byte[(int) Math.min(size - offset, 16L << 20)];
                raf.seek(offset);
                raf.readFully(bytes);
                int start = 0;
                for (int i = 0; i < bytes.length; i++) {
                    if (bytes[i] == '\n') {
                        lines.accept(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                        start = i + 1;
                    }
                }
                if (start == 0) {
                    return; // an unterminated tail: maybe a live append; read it next time
                }
                offset += start;
            }
        }
    }

    @Override
    public Instant lastWrite() throws IOException {
        return Files.isRegularFile(log) ? Files.getLastModifiedTime(log).toInstant() : null;
    }
}
