package dev.metaorch.session;

import com.fasterxml.jackson.databind.ObjectReader;
import dev.metaorch.common.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Streams {@code sessions.jsonl} without holding it in memory. Only {@code \n}-terminated lines
 * are records: an unterminated tail may be a live append (or a crash's torn write) and is
 * reported as such, never parsed. A line that does not parse is reported with its line number
 * and byte offset, never silently dropped; records glued on one line are split and read.
 * <p>The file is read in 4 MB blocks; the lines of each block are parsed in place on a pool of
 * threads (one per core, at most two blocks ahead per thread, so memory stays bounded), and
 * records and problems are handed on strictly in file order, so callers see exactly what a
 * sequential reader would.
 */
public final class SessionLogReader {
    private static final ObjectReader READER = Json.mapper().readerFor(SessionRecord.class);
    static final int BLOCK = 4 << 20;

    private SessionLogReader() {
    }

    /** Result of a scan: records read, problems found, and the length of the well-formed prefix. */
    public record Scan(long records, long problems, long validLength, boolean tornTail) {
    }

    /** A problem found in a block: its line within the block and how many of the block's records precede it. */
    private record BlockProblem(long line, long offset, int recordsBefore, String message, boolean fatal) {
    }

    /** A parsed block: its records and problems, in file order. */
    private record Parsed(List<SessionRecord> records, List<BlockProblem> problems, long lines, long bad) {
    }

    public static Scan read(Path file, Consumer<SessionRecord> records, Consumer<LogProblem> problems) throws IOException {
        if (!Files.exists(file)) {
            return new Scan(0, 0, 0, false);
        }
        int threads = Files.size(file) > 2L * BLOCK ? Runtime.getRuntime().availableProcessors() : 1;
        ExecutorService pool = threads > 1 ? Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "log-reader");
            t.setDaemon(true);
            return t;
        }) : null;
        long count = 0;
        long bad = 0;
        long lineBase = 0;
        long offset;
        ArrayDeque<Future<Parsed>> inFlight = new ArrayDeque<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            byte[] carry = new byte[0];
            long blockStart = 0;
            while (true) {
                // the unfinished line of the previous block, then up to BLOCK new bytes, read in place
                // (sized to what is left, at least 8 KB: the file may still grow while it is read)
                int want = (int) Math.min(BLOCK, Math.max(8192, ch.size() - ch.position()));
                byte[] block = new byte[carry.length + want];
                System.arraycopy(carry, 0, block, 0, carry.length);
                int n = ch.read(ByteBuffer.wrap(block, carry.length, want));
                if (n < 0) {
                    break;
                }
                int filled = carry.length + n;
                int end = lastNewline(block, filled) + 1;
                carry = Arrays.copyOfRange(block, end, filled);
                if (end == 0) {
                    continue;
                }
                byte[] lines = block;
                int limit = end;
                long start = blockStart;
                blockStart += end;
                if (pool == null) {
                    Parsed p = parse(lines, limit, start);
                    count += p.records().size();
                    bad += p.bad();
                    lineBase = deliver(p, lineBase, records, problems, file);
                } else {
                    inFlight.add(pool.submit(() -> parse(lines, limit, start)));
                    while (inFlight.size() >= 2 * threads) {
                        Parsed p = get(inFlight.poll());
                        count += p.records().size();
                        bad += p.bad();
                        lineBase = deliver(p, lineBase, records, problems, file);
                    }
                }
            }
            while (!inFlight.isEmpty()) {
                Parsed p = get(inFlight.poll());
                count += p.records().size();
                bad += p.bad();
                lineBase = deliver(p, lineBase, records, problems, file);
            }
            offset = blockStart;
            if (carry.length > 0) {
                problems.accept(new LogProblem(file, lineBase + 1, offset,
                        "unterminated last line of " + carry.length + " bytes (torn write or append in progress)", false));
                return new Scan(count, bad, offset, true);
            }
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
        return new Scan(count, bad, offset, false);
    }

    /**
     * The record on one line ({@code bytes[offset, offset + length)}, without its newline), read as
     * {@link #read} reads it: the fast parser, else data binding. Throws when the line is not a
     * session record (glued records are not split here).
     */
    public static SessionRecord parseLine(byte[] bytes, int offset, int length) throws IOException {
        SessionRecord r = FastRecordParser.parse(bytes, offset, length);
        return r != null ? r : READER.readValue(bytes, offset, length);
    }

    private static Parsed get(Future<Parsed> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading the session log", e);
        } catch (ExecutionException e) {
            throw new IOException("cannot read the session log: " + e.getCause(), e.getCause());
        }
    }

    private static long deliver(Parsed p, long lineBase, Consumer<SessionRecord> records, Consumer<LogProblem> problems,
            Path file) {
        int next = 0;
        for (BlockProblem problem : p.problems()) {
            while (next < problem.recordsBefore()) {
                records.accept(p.records().get(next++));
            }
            problems.accept(new LogProblem(file, lineBase + problem.line(), problem.offset(), problem.message(),
                    problem.fatal()));
        }
        while (next < p.records().size()) {
            records.accept(p.records().get(next++));
        }
        return lineBase + p.lines();
    }

    /** Parses the lines in {@code bytes[0, limit)} (the last one ends with a newline). */
    private static Parsed parse(byte[] bytes, int limit, long start) {
        List<SessionRecord> out = new ArrayList<>(limit / 600 + 1);
        List<BlockProblem> problems = new ArrayList<>(0);
        long lineNo = 0;
        long bad = 0;
        int from = 0;
        try (FastRecordParser.Block block = new FastRecordParser.Block(bytes, limit)) {
            for (int i = 0; i < limit; i++) {
                if (bytes[i] != '\n') {
                    continue;
                }
                lineNo++;
                int len = i - from;
                if (!isBlank(bytes, from, len)) {
                    try {
                        SessionRecord r = block.next(from, len);
                        out.add(r != null ? r : READER.readValue(bytes, from, len));
                    } catch (IOException | RuntimeException e) {
                        byte[] line = Arrays.copyOfRange(bytes, from, i);
                        List<SessionRecord> glued = splitGlued(line);
                        if (glued != null) {
                            problems.add(new BlockProblem(lineNo, start + from, out.size(), glued.size()
                                    + " records glued on one line (a missing newline); all read", false));
                            out.addAll(glued);
                        } else {
                            bad++;
                            problems.add(new BlockProblem(lineNo, start + from, out.size(), "not a session record ("
                                    + firstLine(e.getMessage()) + "): " + preview(line), true));
                        }
                    }
                }
                from = i + 1;
            }
        }
        return new Parsed(out, problems, lineNo, bad);
    }

    private static int lastNewline(byte[] b, int length) {
        for (int i = length - 1; i >= 0; i--) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Records written back to back without a newline: split at each "}{" where both sides parse. */
    private static List<SessionRecord> splitGlued(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        List<SessionRecord> out = new ArrayList<>();
        int start = 0;
        int from = 0;
        while (true) {
            int cut = text.indexOf("}{", from);
            String part = cut < 0 ? text.substring(start) : text.substring(start, cut + 1);
            try {
                out.add(READER.readValue(part));
                if (cut < 0) {
                    return out.size() >= 2 ? out : null;
                }
                start = cut + 1;
                from = start;
            } catch (IOException | RuntimeException e) {
                if (cut < 0) {
                    return null;
                }
                from = cut + 1;
            }
        }
    }

    private static boolean isBlank(byte[] bytes, int from, int len) {
        for (int i = from; i < from + len; i++) {
            byte x = bytes[i];
            if (x != ' ' && x != '\t' && x != '\r') {
                return false;
            }
        }
        return true;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static String preview(byte[] bytes) {
        String s = new String(bytes, 0, Math.min(bytes.length, 80), StandardCharsets.UTF_8).replace('\0', '\u2400');
        return bytes.length > 80 ? s + "..." : s;
    }
}
