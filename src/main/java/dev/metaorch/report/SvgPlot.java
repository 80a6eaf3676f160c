package dev.metaorch.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Small inline SVG charts whose text stays {@code <text>} (XChart draws glyphs as paths, so a
 * browser test cannot check that labels do not overlap): a line chart with horizontal bound
 * lines (LLR), a cost/success scatter with interval bars and labels placed so that they do not
 * collide (Pareto), and a horizontal box plot (one row per config, so its labels never overlap).
 * Text widths are estimated at {@link #CHAR_W} px per character of a 12 px sans-serif font, a
 * deliberate over-estimate; the browser test measures the real boxes.
 */
public final class SvgPlot {
    static final double CHAR_W = 7.2;
    static final double TEXT_H = 14;
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};

    private SvgPlot() {
    }

    /** A line of (x, y) values. */
    public record Series(String name, List<double[]> points) {
    }

    /** A horizontal reference line with its label. */
    public record HLine(String label, double y) {
    }

    /** A point of a scatter with its vertical interval. */
    public record Point(String name, double x, double y, double lo, double hi, boolean highlighted) {
    }

    /** A label placed on the canvas, in pixels (x, y of the text's left baseline), for overlap checks. */
    record Box(double x, double y, double w, double h) {
        boolean overlaps(Box o) {
            return x < o.x + o.w && o.x < x + w && y < o.y + o.h && o.y < y + h;
        }
    }

    private static final class Canvas {
        final double w;
        final double h;
        final double left;
        final double right;
        final double top;
        final double bottom;
        double x0;
        double x1;
        double y0;
        double y1;
        final StringBuilder s = new StringBuilder();

        Canvas(double w, double h, double left, double right, double top, double bottom) {
            this.w = w;
            this.h = h;
            this.left = left;
            this.right = right;
            this.top = top;
            this.bottom = bottom;
        }

        double px(double x) {
            return left + (x - x0) / (x1 - x0) * (w - left - right);
        }

        double py(double y) {
            return h - bottom - (y - y0) / (y1 - y0) * (h - top - bottom);
        }

        void text(double x, double y, String anchor, String cls, String text) {
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"%s\">%s</text>", x, y,
                    anchor, cls, Html.esc(text)));
        }

        void line(double xa, double ya, double xb, double yb, String style) {
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" style=\"%s\"/>", xa, ya,
                    xb, yb, style));
        }

        String open(String title, String cls) {
            return String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot %s\" viewBox=\"0 0 %.0f %.0f\" "
                    + "width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"%s\" font-family=\"sans-serif\" font-size=\"12\">"
                    + "<style>.t{font-size:14px;font-weight:bold}.ax{fill:#444}.lb{fill:#222}</style>", cls, w, h, w, h,
                    Html.esc(title));
        }

        void frame(String title, String xTitle, String yTitle, boolean xTicks, boolean yTicks) {
            line(left, h - bottom, w - right, h - bottom, "stroke:#888");
            line(left, top, left, h - bottom, "stroke:#888");
            text(w / 2, 18, "middle", "t", title);
            if (xTitle != null) {
                text(left + (w - left - right) / 2, h - bottom + 38, "middle", "ax", xTitle);
            }
            if (yTitle != null) {
                s.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" class=\"ax\" "
                        + "transform=\"rotate(-90 14 %.1f)\">%s</text>", (top + h - bottom) / 2, (top + h - bottom) / 2,
                        Html.esc(yTitle)));
            }
            if (xTicks) {
                List<Double> ts = ticks(x0, x1, 6);
                for (double t : ts) {
                    line(px(t), h - bottom, px(t), h - bottom + 4, "stroke:#888");
                    text(px(t), h - bottom + 19, "middle", "ax", fmt(t, ts));
                }
            }
            if (yTicks) {
                List<Double> ts = ticks(y0, y1, 6);
                for (double t : ts) {
                    line(left - 4, py(t), left, py(t), "stroke:#888");
                    line(left, py(t), w - right, py(t), "stroke:#eee");
                    text(left - 7, py(t) + 4, "end", "ax", fmt(t, ts));
                }
            }
        }
    }

    /** LLR-style chart: lines, and labelled horizontal bounds. */
    public static String lines(String title, String xTitle, String yTitle, List<Series> series, List<HLine> hlines) {
        int legend = series.size() > 1 ? 18 * series.size() + 6 : 0;
        Canvas c = new Canvas(900, 360 + legend, 64, 150, 30, 48 + legend);
        double xMax = 1;
        double yMin = 0;
        double yMax = 0;
        for (Series s : series) {
            for (double[] p : s.points()) {
                xMax = Math.max(xMax, p[0]);
                yMin = Math.min(yMin, p[1]);
                yMax = Math.max(yMax, p[1]);
            }
        }
        for (HLine l : hlines) {
            yMin = Math.min(yMin, l.y());
            yMax = Math.max(yMax, l.y());
        }
        double pad = Math.max(0.1, (yMax - yMin) * 0.08);
        c.x0 = 0;
        c.x1 = xMax;
        c.y0 = yMin - pad;
        c.y1 = yMax + pad;
        StringBuilder out = new StringBuilder(c.open(title, "lines"));
        c.frame(title, xTitle, yTitle, true, true);
        for (HLine l : hlines) {
            c.line(c.left, c.py(l.y()), c.w - c.right, c.py(l.y()), "stroke:#999;stroke-dasharray:5,4");
            c.text(c.w - c.right + 6, c.py(l.y()) + 4, "start", "lb", l.label());
        }
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            StringBuilder pts = new StringBuilder();
            for (double[] p : s.points()) {
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", c.px(p[0]), c.py(p[1])));
            }
            c.s.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"").append(COLORS[i % COLORS.length])
                    .append("\" points=\"").append(pts.toString().trim()).append("\"><title>").append(Html.esc(s.name()))
                    .append("</title></polyline>");
        }
        if (series.size() > 1) {
            for (int i = 0; i < series.size(); i++) {
                double y = c.h - c.bottom + 60 + i * 18;
                c.line(c.left + 10, y - 4, c.left + 28, y - 4, "stroke-width:2;stroke:" + COLORS[i % COLORS.length]);
                c.text(c.left + 32, y, "start", "lb", series.get(i).name());
            }
        }
        return out.append(c.s).append("</svg>").toString();
    }

    /**
     * Cost/success scatter with interval bars, the front as a step line through the highlighted
     * points, and each point's name placed where it overlaps no other label, marker or the frame;
     * a name that fits nowhere is left out of the plot (every point is in the table beside it).
     */
    public static String scatter(String title, String xTitle, String yTitle, List<Point> points) {
        Canvas c = new Canvas(900, 540, 64, 24, 30, 48);
        double xMax = 0;
        for (Point p : points) {
            xMax = Math.max(xMax, p.x());
        }
        c.x0 = 0;
        c.x1 = xMax <= 0 ? 1 : xMax * 1.12;
        c.y0 = 0;
        c.y1 = 1;
        StringBuilder out = new StringBuilder(c.open(title, "scatter"));
        c.frame(title, xTitle, yTitle, true, true);
        List<Point> front = new ArrayList<>(points.stream().filter(Point::highlighted).toList());
        front.sort((a, b) -> Double.compare(a.x(), b.x()));
        if (front.size() >= 2) {
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < front.size(); i++) {
                if (i > 0) {
                    pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", c.px(front.get(i).x()), c.py(front.get(i - 1).y())));
                }
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", c.px(front.get(i).x()), c.py(front.get(i).y())));
            }
            c.s.append("<polyline fill=\"none\" stroke=\"#2ca02c\" stroke-width=\"1.5\" points=\"")
                    .append(pts.toString().trim()).append("\"/>");
        }
        List<Box> taken = new ArrayList<>();
        for (Point p : points) {
            double x = c.px(p.x());
            double y = c.py(p.y());
            c.line(x, c.py(p.lo()), x, c.py(p.hi()), "stroke:#aaa");
            c.line(x - 3, c.py(p.lo()), x + 3, c.py(p.lo()), "stroke:#aaa");
            c.line(x - 3, c.py(p.hi()), x + 3, c.py(p.hi()), "stroke:#aaa");
            taken.add(new Box(x - 5, y - 5, 10, 10));
            taken.add(new Box(x - 3, c.py(p.hi()), 6, Math.max(1, c.py(p.lo()) - c.py(p.hi()))));
        }
        for (Point p : points) {
            double x = c.px(p.x());
            double y = c.py(p.y());
            c.s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\"><title>%s</title></circle>",
                    x, y, p.highlighted() ? "#2ca02c" : "#777", Html.esc(p.name())));
        }
        // labels: nearest free spot among rings of candidates around the point
        List<Point> order = new ArrayList<>(points);
        order.sort((a, b) -> Boolean.compare(b.highlighted(), a.highlighted()));
        for (Point p : order) {
            double x = c.px(p.x());
            double y = c.py(p.y());
            double tw = p.name().length() * CHAR_W;
            Box placed = null;
            outer:
            for (double r : new double[] {8, 18, 30, 44, 60, 80, 105, 130, 160, 200}) {
                for (int k = 0; k < 24; k++) {
                    double a = Math.PI * 2 * k / 24;
                    double cx = x + r * Math.cos(a);
                    double cy = y - r * Math.sin(a);
                    double bx = Math.cos(a) >= -0.01 ? cx : cx - tw;
                    if (Math.abs(Math.cos(a)) < 0.3) {
                        bx = cx - tw / 2;
                    }
                    double by = Math.sin(a) > 0.3 ? cy - TEXT_H : Math.sin(a) < -0.3 ? cy : cy - TEXT_H / 2;
                    Box b = new Box(bx, by, tw, TEXT_H);
                    if (b.x() < c.left + 2 || b.x() + b.w() > c.w - 4 || b.y() < c.top || b.y() + b.h() > c.h - c.bottom - 2) {
                        continue;
                    }
                    if (taken.stream().anyMatch(t -> t.overlaps(b))) {
                        continue;
                    }
                    placed = b;
                    if (r > 18) {
                        double ex = Math.max(b.x(), Math.min(x, b.x() + b.w()));
                        double ey = Math.max(b.y(), Math.min(y, b.y() + b.h()));
                        c.line(x, y, ex, ey, "stroke:#bbb");
                    }
                    break outer;
                }
            }
            if (placed != null) {
                taken.add(placed);
                c.text(placed.x(), placed.y() + TEXT_H - 3, "start", "lb", p.name());
            }
        }
        return out.append(c.s).append("</svg>").toString();
    }

    /** A horizontal box plot: one row per group (label on the left), whiskers at min and max. */
    public static String boxes(String title, String xTitle, List<String> names, List<List<Double>> values) {
        int longest = names.stream().mapToInt(String::length).max().orElse(4);
        int maxChars = Math.min(longest, 30);
        double left = Math.max(60, maxChars * CHAR_W + 16);
        double rowH = 30;
        Canvas c = new Canvas(900, 30 + 48 + rowH * names.size(), left, 24, 30, 48);
        double max = 0;
        for (List<Double> v : values) {
            for (double d : v) {
                max = Math.max(max, d);
            }
        }
        c.x0 = 0;
        c.x1 = max <= 0 ? 1 : max * 1.05;
        c.y0 = 0;
        c.y1 = names.size();
        StringBuilder out = new StringBuilder(c.open(title, "boxes"));
        c.frame(title, xTitle, null, true, false);
        for (int i = 0; i < names.size(); i++) {
            List<Double> v = new ArrayList<>(values.get(i));
            Collections.sort(v);
            double yMid = c.top + rowH * i + rowH / 2;
            String name = names.get(i);
            String shown = name.length() > maxChars ? name.substring(0, maxChars - 1) + "…" : name;
            c.s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"lb\"><title>%s</title>%s</text>",
                    left - 8, yMid + 4, Html.esc(name), Html.esc(shown)));
            if (v.isEmpty()) {
                continue;
            }
            double q1 = quantile(v, 0.25);
            double q2 = quantile(v, 0.5);
            double q3 = quantile(v, 0.75);
            String col = COLORS[i % COLORS.length];
            c.line(c.px(v.get(0)), yMid, c.px(v.get(v.size() - 1)), yMid, "stroke:#888");
            c.line(c.px(v.get(0)), yMid - 6, c.px(v.get(0)), yMid + 6, "stroke:#888");
            c.line(c.px(v.get(v.size() - 1)), yMid - 6, c.px(v.get(v.size() - 1)), yMid + 6, "stroke:#888");
            c.s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                    + "fill-opacity=\"0.35\" stroke=\"%s\"/>", c.px(q1), yMid - 9, Math.max(1, c.px(q3) - c.px(q1)), 18.0, col, col));
            c.line(c.px(q2), yMid - 9, c.px(q2), yMid + 9, "stroke:#000;stroke-width:2");
        }
        return out.append(c.s).append("</svg>").toString();
    }

    /** Linear-interpolation quantile of sorted values (type 7, as R's default). */
    static double quantile(List<Double> sorted, double q) {
        double pos = q * (sorted.size() - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.size() - 1, lo + 1);
        return sorted.get(lo) + (pos - lo) * (sorted.get(hi) - sorted.get(lo));
    }

    /** About {@code n} round tick values (1, 2, 5 times a power of ten) covering [lo, hi]. */
    static List<Double> ticks(double lo, double hi, int n) {
        double span = hi - lo;
        List<Double> out = new ArrayList<>();
        if (!(span > 0)) {
            out.add(lo);
            return out;
        }
        double raw = span / n;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / mag >= 5 ? 5 * mag : raw / mag >= 2 ? 2 * mag : mag;
        for (double t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
            out.add(Math.abs(t) < step * 1e-9 ? 0 : t);
        }
        return out;
    }

    /** A tick value with as many decimals as the tick step needs (the same for every tick of an axis). */
    static String fmt(double v, List<Double> ticks) {
        double step = ticks.size() < 2 ? Math.abs(v) : ticks.get(1) - ticks.get(0);
        int decimals = step <= 0 ? 0 : Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
        if (step > 0 && Math.abs(step * Math.pow(10, decimals) - Math.rint(step * Math.pow(10, decimals))) > 1e-6) {
            decimals++;
        }
        return String.format(Locale.ROOT, "%." + Math.min(decimals, 8) + "f", v);
    }
}
