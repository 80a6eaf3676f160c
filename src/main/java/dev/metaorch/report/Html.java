package dev.metaorch.report;

import java.util.Locale;
/** Minimal HTML helpers. */
public final class Html {
    private Html() {
    }

    public static String esc(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** Background colour for a success rate: red (0) through yellow to green (1). */
    public static String heat(double rate) {
        int r = (int) Math.round(rate < 0.5 ? 230 : 230 - (rate - 0.5) * 2 * 150);
        int g = (int) Math.round(rate < 0.5 ? 90 + rate * 2 * 130 : 220);
        return String.format(Locale.ROOT, "rgb(%d,%d,110)", r, g);
    }
}
