package dev.metaorch.session;

import com.fasterxml.jackson.databind.ObjectReader;
import dev.metaorch.common.Json;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Streams {@code sessions.jsonl} one line at a time (never the whole file in memory). Only
 * {@code \n}-terminated lines are records: an unterminated tail may be a live append (or a
 * crash's torn write) and is reported as such, never parsed. A line that does not parse is
 * reported with its line number and byte offset, never silently dropped.
 */
public final class SessionLogReader {
    private static final ObjectReader READER = Json.mapper().readerFor(SessionRecord.class);

    private SessionLogReader() {
    }

    /** Result of a scan: records read, problems found, and the length of the well-formed prefix. */
    public record Scan(long records, long problems, long validLength, boolean tornTail) {
    }

    public static Scan read(Path file, Consumer<SessionRecord> records, Consumer<LogProblem> problems) throws IOException {
        if (!Files.exists(file)) {
            return new Scan(0, 0, 0, false);
        }
        long count = 0;
        long bad = 0;
        long offset = 0;
        long lineNo = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
            int b;
            while ((b = in.read()) != -1) {
                if (b != '\n') {
                    line.write(b);
                    continue;
                }
                lineNo++;
                byte[] bytes = line.toByteArray();
                line.reset();
                if (!isBlank(bytes)) {
                    try {
                        records.accept(READER.readValue(bytes));
                        count++;
                    } catch (IOException | RuntimeException e) {
                        List<SessionRecord> glued = splitGlued(bytes);
                        if (glued != null) {
                            glued.forEach(records);
                            count += glued.size();
                            problems.accept(new LogProblem(file, lineNo, offset, glued.size()
                                    + " records glued on one line (a missing newline); all read", false));
                        } else {
                            bad++;
                            problems.accept(new LogProblem(file, lineNo, offset, "not a session record ("
                                    + firstLine(e.getMessage()) + "): " + preview(bytes), true));
                        }
                    }
                }
                offset += bytes.length + 1;
            }
            if (line.size() > 0) {
                problems.accept(new LogProblem(file, lineNo + 1, offset,
                        "unterminated last line of " + line.size() + " bytes (torn write or append in progress)", false));
                return new Scan(count, bad, offset, true);
            }
        }
        return new Scan(count, bad, offset, false);
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
                SessionRecord r = READER.readValue(part);
                out.add(r);
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

    private static boolean isBlank(byte[] bytes) {
        for (byte x : bytes) {
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
