// An agent for metaorch's process protocol (docs/protocol.md). JDK 17+, no libraries: run as
// `java Agent.java`. metaorch writes one "start" line on stdin and reads JSON lines from stdout:
// "step"/"log" events, then exactly one "result"; then the program exits with code 0. Logs go to
// stderr. LLM calls go to OPENAI_BASE_URL with OPENAI_API_KEY: metaorch's metering proxy counts
// their tokens. (A real agent would use a JSON library such as Jackson; this one reads the few
// string fields it needs by hand to stay a single file.)
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

public class Agent {
    static void emit(String json) {
        System.out.println(json);
        System.out.flush();
    }

    /** The string value of the first {@code "key":"..."} after {@code from} (JSON escapes undone). */
    static String field(String json, String key, int from) {
        int k = json.indexOf("\"" + key + "\"", from);
        if (k < 0) {
            return null;
        }
        int i = json.indexOf('"', json.indexOf(':', k) + 1) + 1;
        StringBuilder sb = new StringBuilder();
        for (; json.charAt(i) != '"'; i++) {
            char c = json.charAt(i);
            if (c == '\\') {
                char e = json.charAt(++i);
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'u' -> { sb.append((char) Integer.parseInt(json.substring(i + 1, i + 5), 16)); i += 4; }
                    default -> sb.append(e);
                }
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    public static void main(String[] args) throws Exception {
        String start = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        String text = field(start, "text", start.indexOf("\"task\""));
        String model = field(start, "model_id", start.indexOf("\"config\""));
        boolean solvable = !start.contains("\"solvable\":false");
        System.err.println("session " + field(start, "session_id", 0));
        String body = "{\"model\":" + quote(model) + ",\"messages\":[{\"role\":\"system\",\"content\":"
                + quote("You solve the user's task. Reply 'ANSWER: <answer>', or 'REJECT: <why>' if it is impossible.")
                + "},{\"role\":\"user\",\"content\":" + quote(text) + "}]}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(System.getenv("OPENAI_BASE_URL").replaceAll("/$", "")
                + "/chat/completions")).timeout(Duration.ofSeconds(120))
                .header("Authorization", "Bearer " + System.getenv("OPENAI_API_KEY"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> response;
        try {
            response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            response = null;
        }
        if (response == null || response.statusCode() != 200) {
            emit("{\"type\":\"log\",\"level\":\"error\",\"msg\":" + quote("LLM call failed: "
                    + (response == null ? "unreachable" : response.statusCode() + " " + response.body())) + "}");
            emit("{\"type\":\"step\",\"n\":1,\"tool\":\"llm\",\"ok\":false}");
            emit("{\"type\":\"result\",\"success\":false,\"outcome\":\"failure\",\"answer\":null}");
            return;
        }
        String reply = field(response.body(), "content", response.body().indexOf("\"message\""));
        emit("{\"type\":\"step\",\"n\":1,\"tool\":\"llm\",\"ok\":true}");
        if (reply.startsWith("REJECT")) {
            emit("{\"type\":\"result\",\"success\":" + !solvable + ",\"outcome\":\"rejected\",\"answer\":" + quote(reply) + "}");
        } else {
            boolean ok = reply.startsWith("ANSWER") && solvable;
            emit("{\"type\":\"result\",\"success\":" + ok + ",\"outcome\":\"" + (ok ? "success" : "failure")
                    + "\",\"answer\":" + quote(reply) + "}");
        }
    }
}
