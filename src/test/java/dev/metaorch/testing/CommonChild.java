package dev.metaorch.testing;

import dev.metaorch.common.AtomicFiles;
import dev.metaorch.common.FileLocks;
import java.nio.file.Path;

/**
 * The child side of the cross-process tests of {@code common}:
 * {@code lock FILE HOLDER} holds the lock (prints "held") until stdin closes;
 * {@code write FILE TEXT} writes the file with {@link AtomicFiles} (prints "written").
 */
public final class CommonChild {
    private CommonChild() {
    }

    @SuppressWarnings("try") // the lock is held for the scope of the block
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "lock" -> {
                try (FileLocks.Held held = FileLocks.acquire(Path.of(args[1]), args[2])) {
                    System.out.println("held");
                    System.out.flush();
                    while (System.in.read() >= 0) {
                        // hold until the parent closes our stdin
                    }
                }
            }
            case "write" -> {
                AtomicFiles.writeString(Path.of(args[1]), args[2]);
                System.out.println("written");
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
