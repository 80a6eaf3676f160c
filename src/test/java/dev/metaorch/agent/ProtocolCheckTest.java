package dev.metaorch.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metaorch.common.Json;
import dev.metaorch.proxy.TranscriptEntry;
import dev.metaorch.session.Outcome;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProtocolCheckTest {
    private static List<TranscriptEntry> lines(String... stdout) throws IOException {
        List<TranscriptEntry> out = new ArrayList<>();
        for (int i = 0; i < stdout.length; i++) {
            String l = stdout[i];
            var node = l.startsWith("{") || l.startsWith("[") ? Json.mapper().readTree(l) : null;
            out.add(new TranscriptEntry(TranscriptEntry.Kind.AGENT, null, null, null, null, null, (long) (i + 1), node,
                    node == null ? l : null, null, null, null, null));
        }
        return out;
    }

    @Test
    void aCleanSessionHasNoProblem() throws IOException {
        assertThat(ProtocolCheck.check(lines("{\"type\":\"step\",\"n\":1,\"tool\":\"x\",\"ok\":true}",
                "{\"type\":\"llm_call\",\"prompt_tokens\":10,\"completion_tokens\":2,\"cached_prompt_tokens\":5}",
                "{\"type\":\"log\",\"level\":\"info\",\"msg\":\"m\"}",
                "{\"type\":\"result\",\"success\":true,\"outcome\":\"success\",\"answer\":1,\"metrics\":{}}"), Outcome.SUCCESS, null))
                .isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "hello world|line 1: not JSON: hello world",
        "[1,2]|line 1: expected a JSON object, got array",
        "{\"type\":\"answer\"}|line 1: unknown event type \"answer\"",
        "{\"success\":true}|line 1: no \"type\" field: this looks like a result",
        "{\"type\":\"llm_call\",\"prompt_tokens\":1.5,\"completion_tokens\":2}|line 1: llm_call: \"prompt_tokens\" must be an integer >= 0",
        "{\"type\":\"llm_call\",\"prompt_tokens\":10,\"completion_tokens\":2,\"cached_prompt_tokens\":11}|line 1: llm_call: \"cached_prompt_tokens\" must be an integer between 0 and prompt_tokens",
        "{\"type\":\"log\",\"level\":\"loud\"}|line 1: log: \"level\" must be one of",
        "{\"type\":\"result\",\"success\":\"yes\"}|line 1: result: \"success\" must be true or false",
        "{\"type\":\"result\",\"success\":true,\"outcome\":\"done\"}|line 1: result: \"outcome\" must be one of",
        "{\"type\":\"result\",\"success\":true,\"cost\":1}|line 1: result: field \"cost\" is ignored: metaorch computes cost itself",
    })
    void eachMistakeIsNamedWithItsLine(String line, String expected) throws IOException {
        assertThat(ProtocolCheck.check(lines(line), Outcome.ERROR, "x")).extracting(Object::toString)
                .anySatisfy(p -> assertThat(p).startsWith(expected));
    }

    @Test
    void eventsAfterTheResultAndASecondResultAreFlagged() throws IOException {
        assertThat(ProtocolCheck.check(lines("{\"type\":\"result\",\"success\":true}", "{\"type\":\"step\"}",
                "{\"type\":\"result\",\"success\":false}"), Outcome.FAILURE, null)).extracting(Object::toString)
                .contains("line 2: an event after the result (line 1): the result must be the last line",
                        "line 3: a second result (the first is line 1)");
    }

    @Test
    void noResultAndInfrastructureOutcomesAreSessionProblems() throws IOException {
        assertThat(ProtocolCheck.check(lines("{\"type\":\"step\"}"), Outcome.FAILURE, null)).extracting(Object::toString)
                .containsExactly("session: no result line");
        assertThat(ProtocolCheck.check(lines(), Outcome.ERROR, "agent exited with code 3")).extracting(Object::toString)
                .containsExactly("session: error: agent exited with code 3");
    }
}
