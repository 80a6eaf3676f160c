package dev.metaorch.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TranscriptTest {
    @TempDir
    Path dir;

    private static final TranscriptEntry.End END = new TranscriptEntry.End("success", true, 1, 0, 1, 1, 1, BigDecimal.ONE,
            "proxy", null, null);

    @Test
    void theSizeBoundKeepsStartAndEndAndCountsWhatWasLeftOut() throws Exception {
        Transcript t = new Transcript(TranscriptEntry.start("r/a/0", 1, "t", "m", true), 400);
        for (int i = 1; i <= 20; i++) {
            t.agentLine(i, "{\"type\":\"step\",\"n\":" + i + "}");
        }
        List<LlmCall> calls = List.of(new LlmCall(1, "/chat/completions", "m", "m", "m", 200, false, 1, 0, 1, BigDecimal.ONE,
                null));
        List<TranscriptEntry> e = t.entries(calls, END);
        assertThat(e.get(0).kind()).isEqualTo(TranscriptEntry.Kind.START);
        assertThat(e.get(e.size() - 1).kind()).isEqualTo(TranscriptEntry.Kind.END);
        TranscriptEntry truncated = e.get(e.size() - 2);
        assertThat(truncated.kind()).isEqualTo(TranscriptEntry.Kind.TRUNCATED);
        long kept = e.stream().filter(x -> x.kind() == TranscriptEntry.Kind.AGENT || x.kind() == TranscriptEntry.Kind.LLM).count();
        assertThat(kept + truncated.dropped()).isEqualTo(21);
        assertThat(kept).isBetween(1L, 19L);
        Path f = dir.resolve("t.jsonl");
        Transcript.write(f, e);
        assertThat(Transcript.read(f)).isEqualTo(e);
    }

    @Test
    void aHugeLineIsCutAndANonJsonLineKeptRaw() {
        Transcript t = new Transcript(TranscriptEntry.start("r/a/0", 1, "t", "m", true), Transcript.DEFAULT_MAX_BYTES);
        t.agentLine(1, "x".repeat(Transcript.MAX_LINE_CHARS + 10));
        t.agentLine(2, "not json");
        List<TranscriptEntry> e = t.entries(List.of(), END);
        assertThat(e.get(1).raw()).hasSize(Transcript.MAX_LINE_CHARS + " ... (16394 characters)".length() - 1)
                .endsWith("... (16394 characters)");
        assertThat(e.get(2).raw()).isEqualTo("not json");
        assertThat(e.get(2).event()).isNull();
    }
}
