package dev.cpt.launcher.report;

import java.util.List;
import java.util.Locale;

/**
 * An inline SVG line chart: one {@code <polyline>} per series over shared linear axes, with ticks and a legend.
 * No script and no external reference, so the page that holds it opens anywhere.
 */
public final class LineChart {
    /** One point of a series. */
    public record Point(double x, double y) {}

    /** A named series; its colour is picked by its position in the chart. */
    public record Series(String name, List<Point> points) {
        public Series {
            points = List.copyOf(points);
        }
    }

    static final int WIDTH = 640;
    static final int HEIGHT = 320;
    private static final int LEFT = 60;
    private static final int RIGHT = 150;
    private static final int TOP = 30;
    private static final int BOTTOM = 45;
    private static final int TICKS = 5;

    private LineChart() {}

    public static String svg(String title, String xLabel, String yLabel, List<Series> series) {
        double minX = Double.POSITIVE_INFINITY, maxX = Double.NEGATIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY, maxY = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (Point p : s.points()) {
                minX = Math.min(minX, p.x());
                maxX = Math.max(maxX, p.x());
                minY = Math.min(minY, p.y());
                maxY = Math.max(maxY, p.y());
            }
        }
        if (minX > maxX) { // no points at all: an empty frame
            minX = minY = 0;
            maxX = maxY = 1;
        }
        Ticks xs = Ticks.of(minX, maxX);
        Ticks ys = Ticks.of(minY, maxY);
        Axes axes = new Axes(xs.low, xs.high, ys.low, ys.high);

        StringBuilder svg = new StringBuilder();
        svg.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">%n",
                WIDTH,
                HEIGHT,
                WIDTH,
                HEIGHT));
        svg.append("<title>").append(Html.escape(title)).append("</title>\n");
        svg.append(String.format(
                Locale.ROOT, "<text x=\"%d\" y=\"18\" class=\"title\">%s</text>%n", LEFT, Html.escape(title)));
        svg.append(String.format(
                Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"frame\" fill=\"none\" stroke=\"#999\"/>%n",
                LEFT,
                TOP,
                plotWidth(),
                plotHeight()));
        for (double x = xs.low; x <= xs.high + xs.step / 2; x += xs.step) {
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%s</text>%n",
                    axes.px(x),
                    TOP + plotHeight() + 15,
                    Html.number(x)));
        }
        for (double y = ys.low; y <= ys.high + ys.step / 2; y += ys.step) {
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>%n",
                    LEFT - 5,
                    axes.py(y) + 4,
                    Html.number(y)));
        }
        svg.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" class=\"label\" text-anchor=\"middle\">%s</text>%n",
                LEFT + plotWidth() / 2,
                HEIGHT - 8,
                Html.escape(xLabel)));
        svg.append(String.format(
                Locale.ROOT,
                "<text x=\"14\" y=\"%d\" class=\"label\" text-anchor=\"middle\" transform=\"rotate(-90 14 %d)\">%s</text>%n",
                TOP + plotHeight() / 2,
                TOP + plotHeight() / 2,
                Html.escape(yLabel)));
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            StringBuilder points = new StringBuilder();
            for (Point p : s.points()) {
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", axes.px(p.x()), axes.py(p.y())));
            }
            svg.append(String.format(
                    Locale.ROOT,
                    "<polyline data-series=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" points=\"%s\"/>%n",
                    Html.escape(s.name()),
                    Html.colour(i),
                    width(i, series.size()),
                    points.toString().strip()));
            int ly = TOP + 12 + 18 * i;
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/><text x=\"%d\" y=\"%d\" class=\"legend\">%s</text>%n",
                    LEFT + plotWidth() + 10,
                    ly - 4,
                    LEFT + plotWidth() + 30,
                    ly - 4,
                    Html.colour(i),
                    LEFT + plotWidth() + 35,
                    ly,
                    Html.escape(s.name())));
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    /** Earlier series are drawn wider, so a series that coincides with a later one still shows around it. */
    private static double width(int index, int count) {
        return 2 + 2.0 * (count - 1 - index);
    }

    /** Axis bounds and tick spacing on round numbers (1, 2 or 5 times a power of ten), about five ticks. */
    private record Ticks(double low, double high, double step) {
        static Ticks of(double min, double max) {
            if (max <= min) {
                max = min + 1;
            }
            double raw = (max - min) / TICKS;
            double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
            double step = raw / magnitude <= 1
                    ? magnitude
                    : raw / magnitude <= 2 ? 2 * magnitude : raw / magnitude <= 5 ? 5 * magnitude : 10 * magnitude;
            return new Ticks(Math.floor(min / step) * step, Math.ceil(max / step) * step, step);
        }
    }

    private static int plotWidth() {
        return WIDTH - LEFT - RIGHT;
    }

    private static int plotHeight() {
        return HEIGHT - TOP - BOTTOM;
    }

    private record Axes(double minX, double maxX, double minY, double maxY) {
        double px(double x) {
            return LEFT + (x - minX) / (maxX - minX) * plotWidth();
        }

        double py(double y) {
            return TOP + plotHeight() - (y - minY) / (maxY - minY) * plotHeight();
        }
    }
}
