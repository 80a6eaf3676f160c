package dev.metaorch.common;

import java.util.regex.Pattern;

/** Ids that end up in file names: {@code [A-Za-z0-9._-]+}, never {@code .} or {@code ..}. */
public final class SafeIds {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private SafeIds() {
    }

    public static boolean isSafe(String id) {
        return id != null && SAFE.matcher(id).matches() && !id.equals(".") && !id.equals("..");
    }

    /** Returns {@code id} or throws a bad-input error naming {@code what}. */
    public static String require(String what, String id) {
        if (!isSafe(id)) {
            throw MetaorchException.invalidInput(what + ": '" + id
                    + "' is not a valid id (use letters, digits, '.', '_' or '-'; not '.' or '..')");
        }
        return id;
    }
}
