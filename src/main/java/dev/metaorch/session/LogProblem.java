package dev.metaorch.session;

import java.nio.file.Path;

/** A line of a session log that could not be used: where it is and why. */
public record LogProblem(Path file, long line, long byteOffset, String message) {
    @Override
    public String toString() {
        return file + ": line " + line + " (byte " + byteOffset + "): " + message;
    }
}
