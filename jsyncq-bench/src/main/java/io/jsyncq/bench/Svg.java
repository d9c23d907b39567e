package io.jsyncq.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;

/** Inline SVG charts for the HTML report: no script, no network, no library. */
final class Svg {

    record Series(String name, String color, double[] xs, double[] ys, boolean dashed) {
    }

    /** A horizontal band with a label (e.g. a range reported by another project). */
    record Band(double low, double high, String label, String color) {
    }

    private static final int WIDTH = 720;
    private static final int HEIGHT = 380;
    private static final int LEFT = 78;
    private static final int RIGHT = 170;
    private static final int TOP = 36;
    private static final int BOTTOM = 52;

    private Svg() {
    }

    static String color(String contender) {
        return switch (contender) {
            case "jsyncq" -> "#d62728";
            case "aeron" -> "#1f77b4";
            case "aeron-exclusive" -> "#17becf";
            case Results.JSYNCQ_SPLIT -> "#ff7f0e";
            case "chronicle" -> "#2ca02c";
            case "agrona" -> "#9467bd";
            default -> "#555555";
        };
    }

    /**
     * A line chart. {@code xTicks}/{@code xTickLabels}: where and what to write under the x axis; a log y axis
     * gets decade grid lines labelled by {@code yFormat}.
     */
    static String lineChart(String title, String xLabel, String yLabel, List<Series> series, boolean logX,
                            double[] xTicks, String[] xTickLabels, DoubleFunction<String> yFormat, List<Band> bands) {
        double xMin = Double.MAX_VALUE, xMax = -Double.MAX_VALUE, yMin = Double.MAX_VALUE, yMax = -Double.MAX_VALUE;
        for (Series s : series) {
            for (int i = 0; i < s.xs.length; i++) {
                if (ok(s.ys[i])) {
                    xMin = Math.min(xMin, s.xs[i]);
                    xMax = Math.max(xMax, s.xs[i]);
                    yMin = Math.min(yMin, s.ys[i]);
                    yMax = Math.max(yMax, s.ys[i]);
                }
            }
        }
        for (double x : xTicks) {
            xMin = Math.min(xMin, x);
            xMax = Math.max(xMax, x);
        }
        for (Band band : bands) {
            yMin = Math.min(yMin, band.low);
            yMax = Math.max(yMax, band.high);
        }
        StringBuilder svg = open(title);
        if (yMin == Double.MAX_VALUE) {
            svg.append(text(WIDTH / 2.0, HEIGHT / 2.0, "no data", "middle", 14));
            return svg.append("</svg>").toString();
        }
        double loY = Math.pow(10, Math.floor(Math.log10(yMin)));
        double hiY = Math.pow(10, Math.ceil(Math.log10(yMax)));
        if (hiY <= loY) {
            hiY = loY * 10;
        }
        final double fxMin = logX ? Math.log(xMin) : xMin;
        final double fxMax = logX ? Math.log(xMax) : xMax;
        final double lyMin = Math.log(loY);
        final double lyMax = Math.log(hiY);
        double plotW = WIDTH - LEFT - RIGHT;
        double plotH = HEIGHT - TOP - BOTTOM;
        DoubleFunction<Double> px = x -> {
            double v = logX ? Math.log(x) : x;
            return LEFT + (fxMax == fxMin ? plotW / 2 : (v - fxMin) / (fxMax - fxMin) * plotW);
        };
        DoubleFunction<Double> py = y -> TOP + plotH - (Math.log(y) - lyMin) / (lyMax - lyMin) * plotH;
        for (Band band : bands) {
            double y1 = py.apply(band.high), y2 = py.apply(band.low);
            svg.append(String.format("<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s' opacity='0.18'/>",
                    (double) LEFT, y1, plotW, y2 - y1, band.color));
            svg.append(text(LEFT + 6, y1 + 14, band.label, "start", 11));
        }
        for (double decade = loY; decade <= hiY * 1.0001; decade *= 10) {
            double y = py.apply(decade);
            svg.append(line(LEFT, y, LEFT + plotW, y, "#ccc", false));
            svg.append(text(LEFT - 6, y + 4, yFormat.apply(decade), "end", 11));
            for (int k = 2; k < 10 && decade * k < hiY; k++) {
                double minor = py.apply(decade * k);
                svg.append(line(LEFT, minor, LEFT + plotW, minor, "#eee", false));
            }
        }
        for (int i = 0; i < xTicks.length; i++) {
            double x = px.apply(xTicks[i]);
            svg.append(line(x, TOP, x, TOP + plotH, "#eee", false));
            svg.append(text(x, TOP + plotH + 16, xTickLabels[i], "middle", 11));
        }
        svg.append(line(LEFT, TOP + plotH, LEFT + plotW, TOP + plotH, "#333", false));
        svg.append(line(LEFT, TOP, LEFT, TOP + plotH, "#333", false));
        svg.append(text(LEFT + plotW / 2, HEIGHT - 12, xLabel, "middle", 12));
        svg.append(String.format("<text x='16' y='%.1f' font-size='12' text-anchor='middle' transform='rotate(-90 16 %.1f)'>%s</text>",
                TOP + plotH / 2, TOP + plotH / 2, esc(yLabel)));
        int legend = 0;
        for (Series s : series) {
            List<String> points = new ArrayList<>();
            StringBuilder dots = new StringBuilder();
            for (int i = 0; i < s.xs.length; i++) {
                if (!ok(s.ys[i])) {
                    continue;
                }
                double x = px.apply(s.xs[i]), y = py.apply(s.ys[i]);
                points.add(String.format("%.1f,%.1f", x, y));
                dots.append(String.format("<circle cx='%.1f' cy='%.1f' r='3' fill='%s'><title>%s: %s</title></circle>",
                        x, y, s.color, esc(s.name), esc(yFormat.apply(s.ys[i]))));
            }
            if (points.isEmpty()) {
                continue;
            }
            svg.append(String.format("<polyline fill='none' stroke='%s' stroke-width='2'%s points='%s'/>", s.color,
                    s.dashed ? " stroke-dasharray='5,4'" : "", String.join(" ", points)));
            svg.append(dots);
            double ly = TOP + 10 + 18 * legend++;
            svg.append(line(LEFT + plotW + 14, ly, LEFT + plotW + 36, ly, s.color, s.dashed).replace("stroke-width='1'", "stroke-width='2'"));
            svg.append(text(LEFT + plotW + 40, ly + 4, s.name, "start", 12));
        }
        return svg.append("</svg>").toString();
    }

    /** Vertical bars on a linear axis from zero. */
    static String barChart(String title, String yLabel, List<String> labels, double[] values, List<String> colors,
                           DoubleFunction<String> format) {
        StringBuilder svg = open(title);
        double max = 0;
        for (double v : values) {
            if (ok(v)) {
                max = Math.max(max, v);
            }
        }
        double plotW = WIDTH - LEFT - RIGHT;
        double plotH = HEIGHT - TOP - BOTTOM;
        if (max <= 0) {
            svg.append(text(WIDTH / 2.0, HEIGHT / 2.0, "no data", "middle", 14));
            return svg.append("</svg>").toString();
        }
        double step = Math.pow(10, Math.floor(Math.log10(max)));
        if (max / step < 3) {
            step /= 2;
        }
        double top = Math.ceil(max / step) * step;
        for (double v = 0; v <= top * 1.0001; v += step) {
            double y = TOP + plotH - v / top * plotH;
            svg.append(line(LEFT, y, LEFT + plotW, y, "#ddd", false));
            svg.append(text(LEFT - 6, y + 4, format.apply(v), "end", 11));
        }
        double slot = plotW / Math.max(1, labels.size());
        for (int i = 0; i < labels.size(); i++) {
            double x = LEFT + slot * i + slot * 0.2;
            double h = ok(values[i]) ? values[i] / top * plotH : 0;
            svg.append(String.format("<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s'><title>%s: %s</title></rect>",
                    x, TOP + plotH - h, slot * 0.6, h, colors.get(i), esc(labels.get(i)),
                    ok(values[i]) ? esc(format.apply(values[i])) : "n/a"));
            svg.append(text(x + slot * 0.3, TOP + plotH + 16, labels.get(i), "middle", 12));
            svg.append(text(x + slot * 0.3, TOP + plotH - h - 5, ok(values[i]) ? format.apply(values[i]) : "n/a",
                    "middle", 11));
        }
        svg.append(line(LEFT, TOP + plotH, LEFT + plotW, TOP + plotH, "#333", false));
        svg.append(String.format("<text x='16' y='%.1f' font-size='12' text-anchor='middle' transform='rotate(-90 16 %.1f)'>%s</text>",
                TOP + plotH / 2, TOP + plotH / 2, esc(yLabel)));
        return svg.append("</svg>").toString();
    }

    private static StringBuilder open(String title) {
        StringBuilder svg = new StringBuilder();
        svg.append(String.format("<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' viewBox='0 0 %d %d' "
                + "font-family='sans-serif' role='img'>", WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append("<rect width='100%' height='100%' fill='white'/>");
        svg.append(text(WIDTH / 2.0, 20, title, "middle", 14).replace("<text ", "<text font-weight='bold' "));
        return svg;
    }

    private static boolean ok(double v) {
        return !Double.isNaN(v) && !Double.isInfinite(v) && v > 0;
    }

    private static String line(double x1, double y1, double x2, double y2, String color, boolean dashed) {
        return String.format("<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='%s' stroke-width='1'%s/>",
                x1, y1, x2, y2, color, dashed ? " stroke-dasharray='5,4'" : "");
    }

    private static String text(double x, double y, String text, String anchor, int size) {
        return String.format("<text x='%.1f' y='%.1f' font-size='%d' text-anchor='%s'>%s</text>", x, y, size, anchor,
                esc(text));
    }

    static String esc(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
    }
}
