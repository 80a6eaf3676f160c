package dev.metaorch.variant;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Test helper: the live (non-zombie) processes whose environment holds {@code NAME=value}.
 * Every process an agent starts inherits its environment (METAORCH_SESSION_ID), so this finds
 * even a process that left the agent's session — what a process-group kill cannot see.
 */
public final class LiveProcesses {
    private LiveProcesses() {
    }

    public static List<Long> withEnv(String name, String value) {
        byte[] needle = (name + "=" + value + "\0").getBytes(StandardCharsets.UTF_8);
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path p : dir) {
                String n = p.getFileName().toString();
                if (!n.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    byte[] env = Files.readAllBytes(p.resolve("environ"));
                    boolean zombie = AgentGroup.stat(Long.parseLong(n)).map(AgentGroup.ProcStat::isDead).orElse(true);
                    if (!zombie && contains(env, needle)) {
                        out.add(Long.parseLong(n));
                    }
                } catch (IOException | RuntimeException e) {
                    // gone, or not ours
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return out;
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            if (i > 0 && hay[i - 1] != 0) {
                continue;
            }
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
