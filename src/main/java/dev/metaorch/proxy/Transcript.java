package dev.metaorch.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.metaorch.common.AtomicFiles;
import dev.metaorch.common.Json;
import dev.metaorch.common.MetaorchException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A session's transcript, bounded in size and deterministic: entries hold no wall-clock time,
 * and are written in a fixed order (start, the agent's stdout lines in order, the proxy's calls
 * in order, warnings, end), so a replayed session reproduces its transcript byte for byte.
 * Entries beyond {@code maxBytes} are counted in one {@code truncated} entry; a single agent
 * line longer than {@link #MAX_LINE_CHARS} is kept as the first characters of its text.
 * Written atomically when the session ends.
 */
public final class Transcript {
    public static final int MAX_LINE_CHARS = 16 * 1024;
    public static final long DEFAULT_MAX_BYTES = 1L << 20;

    private final long maxBytes;
    private final TranscriptEntry start;
    private final List<TranscriptEntry> agent = new ArrayList<>();
    private final List<TranscriptEntry> warnings = new ArrayList<>();
    private long bytes;
    private long dropped;

    Transcript(TranscriptEntry start, long maxBytes) {
        this.start = start;
        this.maxBytes = maxBytes;
    }

    /** The file of one attempt of a session in a run folder. */
    public static Path file(Path runDir, String sessionId, int attempt) {
        return runDir.resolve("transcripts").resolve(sessionId.replace('/', '_') + ".a" + attempt + ".jsonl");
    }

    synchronized void agentLine(long lineNo, String line) {
        JsonNode event = null;
        String raw = null;
        if (line.length() > MAX_LINE_CHARS) {
            raw = line.substring(0, MAX_LINE_CHARS) + "... (" + line.length() + " characters)";
        } else {
            try {
                event = Json.mapper().readTree(line);
            } catch (IOException e) {
                raw = line;
            }
        }
        add(agent, TranscriptEntry.agent(lineNo, event, raw));
    }

    synchronized void warning(String message) {
        add(warnings, TranscriptEntry.warning(message));
    }

    private void add(List<TranscriptEntry> list, TranscriptEntry e) {
        long size = Json.line(e).length() + 1L;
        if (bytes + size > maxBytes) {
            dropped++;
            return;
        }
        bytes += size;
        list.add(e);
    }

    /** The transcript's lines, {@code calls} being the proxy's calls in order. */
    synchronized List<TranscriptEntry> entries(List<LlmCall> calls, TranscriptEntry.End end) {
        List<TranscriptEntry> all = new ArrayList<>();
        all.add(start);
        all.addAll(agent);
        long callBytes = bytes;
        long droppedCalls = 0;
        for (LlmCall c : calls) {
            TranscriptEntry e = TranscriptEntry.llm(c);
            long size = Json.line(e).length() + 1L;
            if (callBytes + size > maxBytes) {
                droppedCalls++;
            } else {
                callBytes += size;
                all.add(e);
            }
        }
        all.addAll(warnings);
        if (dropped + droppedCalls > 0) {
            all.add(TranscriptEntry.truncated(dropped + droppedCalls));
        }
        all.add(TranscriptEntry.end(end));
        return all;
    }

    static void write(Path file, List<TranscriptEntry> entries) throws IOException {
        StringBuilder sb = new StringBuilder();
        entries.forEach(e -> sb.append(Json.line(e)).append('\n'));
        Files.createDirectories(file.getParent());
        AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Reads a transcript file; a bad line is an input error naming the file and line. */
    public static List<TranscriptEntry> read(Path file) {
        List<TranscriptEntry> out = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw MetaorchException.invalidInput(file + ": cannot read the transcript: " + e.getMessage());
        }
        for (int i = 0; i < lines.size(); i++) {
            try {
                out.add(Json.mapper().readValue(lines.get(i), TranscriptEntry.class));
            } catch (IOException e) {
                throw MetaorchException.invalidInput(file + ": line " + (i + 1) + ": not a transcript entry: "
                        + e.getMessage());
            }
        }
        return out;
    }
}
