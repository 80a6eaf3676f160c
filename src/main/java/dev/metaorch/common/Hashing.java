package dev.metaorch.common;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Digests used for prompt components (MD5, as the seed asks) and configs (SHA-256). */
public final class Hashing {
    private Hashing() {
    }

    public static String md5(String text) {
        return digest("MD5", text);
    }

    public static String sha256(String text) {
        return digest("SHA-256", text);
    }

    /** SHA-256 of raw bytes (file contents), in hex. */
    public static String sha256(byte[] bytes) {
        return digest("SHA-256", bytes);
    }

    private static String digest(String algorithm, String text) {
        return digest(algorithm, text.getBytes(StandardCharsets.UTF_8));
    }

    private static String digest(String algorithm, byte[] bytes) {
        try {
            MessageDigest md = MessageDigest.getInstance(algorithm);
            return HexFormat.of().formatHex(md.digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is required by the Java platform", e);
        }
    }

    /** SplitMix64 finaliser: a well-mixed 64-bit value from any 64-bit input. */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** A seed derived from a parent seed and a path of labels; stable across runs and JVMs. */
    public static long deriveSeed(long seed, Object... labels) {
        long h = mix64(seed ^ 0x9E3779B97F4A7C15L);
        for (Object label : labels) {
            String s = String.valueOf(label);
            for (int i = 0; i < s.length(); i++) {
                h = mix64(h ^ s.charAt(i));
            }
            h = mix64(h ^ 0x2545F4914F6CDD1DL);
        }
        return h;
    }
}
