package dev.metaorch.session;

import java.nio.file.Path;

/**
 * A line of a session log that needed attention: where it is and why. {@code fatal} problems
 * (a line that is not a record) lose data unless someone looks; the others were handled
 * (a torn tail, two records glued on one line and read both).
 */
public record LogProblem(Path file, long line, long byteOffset, String message, boolean fatal) {
    @Override
    public String toString() {
        return file + ": line " + line + " (byte " + byteOffset + "): " + message;
    }
}
