package dev.metaorch.common;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reading a JSON input file, with bad-input errors that name the file and the place. */
public final class JsonFiles {
    private JsonFiles() {
    }

    /**
     * The file's JSON; {@code what} names it in the "not found" error (e.g. "task suite").
     * A missing file, unreadable file or a syntax error (with line and column) is exit 2.
     */
    public static JsonNode read(Path file, String name, String what) {
        try {
            JsonNode n = Json.mapper().readTree(Files.readString(file));
            if (n == null || n.isMissingNode()) { // Jackson reads an empty text as a missing node
                throw MetaorchException.invalidInput(name + ": /: expected JSON, got an empty file");
            }
            String bad = Json.firstNonFiniteNumber(n);
            if (bad != null) {
                throw MetaorchException.invalidInput(Json.outOfRange(name, bad));
            }
            return n;
        } catch (NoSuchFileException e) {
            throw MetaorchException.invalidInput(name + ": " + what + " not found");
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw MetaorchException.invalidInput(name + ": line " + (loc == null ? 0 : loc.getLineNr()) + ", column "
                    + (loc == null ? 0 : loc.getColumnNr()) + ": invalid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw MetaorchException.invalidInput(name + ": cannot read: " + e.getMessage());
        }
    }
}
