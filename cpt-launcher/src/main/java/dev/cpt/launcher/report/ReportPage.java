package dev.cpt.launcher.report;

import dev.cpt.contracts.EvalReport;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's report as one self-contained HTML page: inline SVG figures and CSS, no script, no external link, so it
 * opens from disk on a machine without a network. Sections: loss per domain over tokens, mixture weights over
 * rounds, the forgetting matrix with BWT/FWT, reward before and after GRPO.
 */
public final class ReportPage {
    private ReportPage() {}

    public static String html(String title, List<String> facts, Figures figures) {
        StringBuilder page = new StringBuilder();
        page.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(Html.escape(title))
                .append("</title>\n<style>\n")
                .append(CSS)
                .append("</style>\n</head>\n<body>\n");
        page.append("<h1>").append(Html.escape(title)).append("</h1>\n<ul class=\"facts\">\n");
        facts.forEach(f -> page.append("<li>").append(Html.escape(f)).append("</li>\n"));
        page.append("</ul>\n");

        page.append("<section id=\"loss\">\n<h2>Held-out loss per domain over tokens trained</h2>\n");
        page.append(
                figures.lossByDomain().isEmpty()
                        ? "<p class=\"none\">No checkpoint was evaluated.</p>\n"
                        : LineChart.svg(
                                "held-out loss per domain",
                                "tokens trained (all domains)",
                                "loss (nats/token)",
                                figures.lossByDomain()));
        page.append("</section>\n");

        page.append("<section id=\"mixture\">\n<h2>Mixture weights over rounds</h2>\n");
        page.append(
                figures.mixtureWeights().isEmpty()
                        ? "<p class=\"none\">The mixer published no weights.</p>\n"
                        : LineChart.svg(
                                "mixture weight per domain", "mixer round", "weight", figures.mixtureWeights()));
        page.append("</section>\n");

        page.append("<section id=\"forgetting\">\n<h2>Forgetting matrix</h2>\n");
        page.append(
                figures.forgetting() == null
                        ? "<p class=\"none\">No continual-learning metrics were reported.</p>\n"
                        : forgetting(figures.forgetting()));
        page.append("</section>\n");

        page.append("<section id=\"grpo\">\n<h2>Reward before and after GRPO</h2>\n");
        page.append(figures.grpo() == null ? "<p class=\"none\">GRPO stage not run.</p>\n" : grpo(figures.grpo()));
        page.append("</section>\n</body>\n</html>\n");
        return page.toString();
    }

    /**
     * R as a table: a row per phase (the base first), a column per domain, each cell's loss shaded from green (the
     * lowest in its column) to red (the highest), so forgetting shows as a column turning red further down.
     */
    static String forgetting(Figures.Forgetting f) {
        StringBuilder t = new StringBuilder("<table class=\"matrix\">\n<tr><th>held-out loss after</th>");
        f.domains().forEach(d -> t.append("<th>").append(Html.escape(d)).append("</th>"));
        t.append("</tr>\n");
        for (int i = 0; i < f.rows().size(); i++) {
            boolean base = f.rows().get(i).startsWith("base");
            t.append("<tr><th>").append(Html.escape(f.rows().get(i))).append("</th>");
            for (int j = 0; j < f.domains().size(); j++) {
                Double v = f.losses().get(i).get(j);
                String cls = base ? "base" : "cell";
                if (v == null) {
                    t.append("<td class=\"").append(cls).append(" missing\">&ndash;</td>");
                } else {
                    t.append(String.format(
                            Locale.ROOT, "<td class=\"%s\" style=\"background:%s\">%.3f</td>", cls, shade(f, j, v), v));
                }
            }
            t.append("</tr>\n");
        }
        t.append("</table>\n<ul class=\"metrics\">\n");
        t.append("<li>Backward transfer (BWT, negative = forgetting): ")
                .append(value(f.backwardTransfer()))
                .append("</li>\n");
        t.append("<li>Forward transfer (FWT): ")
                .append(value(f.forwardTransfer()))
                .append("</li>\n");
        for (Map.Entry<String, Double> e : new java.util.TreeMap<>(f.forgetting()).entrySet()) {
            t.append("<li>Forgetting on ")
                    .append(Html.escape(e.getKey()))
                    .append(" (rise above its best loss): ")
                    .append(value(e.getValue()))
                    .append(" nats</li>\n");
        }
        return t.append("</ul>\n").toString();
    }

    private static String shade(Figures.Forgetting f, int column, double v) {
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (List<Double> row : f.losses()) {
            Double x = row.get(column);
            if (x != null) {
                min = Math.min(min, x);
                max = Math.max(max, x);
            }
        }
        double t = max > min ? (v - min) / (max - min) : 0;
        // light green (#c8f0c8) for the column's lowest loss to light red (#f4b4b4) for its highest
        return String.format(
                Locale.ROOT,
                "#%02x%02x%02x",
                Math.round(200 + 44 * t),
                Math.round(240 - 60 * t),
                Math.round(200 - 20 * t));
    }

    static String grpo(GrpoSummary g) {
        double max = Math.max(1e-9, Math.max(g.meanRewardBefore(), g.meanRewardAfter()));
        StringBuilder svg = new StringBuilder(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"420\" height=\"200\" viewBox=\"0 0 420 200\" role=\"img\">\n");
        String[] labels = {"before GRPO", "after GRPO"};
        double[] values = {g.meanRewardBefore(), g.meanRewardAfter()};
        for (int i = 0; i < 2; i++) {
            double h = 140 * Math.max(0, values[i]) / max;
            int x = 60 + i * 170;
            svg.append(String.format(
                    Locale.ROOT,
                    "<rect class=\"bar\" x=\"%d\" y=\"%.1f\" width=\"120\" height=\"%.1f\" fill=\"%s\"/>"
                            + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\">%.3f</text>"
                            + "<text x=\"%d\" y=\"192\" text-anchor=\"middle\">%s</text>%n",
                    x,
                    170 - h,
                    h,
                    Html.colour(i),
                    x + 60,
                    165 - h,
                    values[i],
                    x + 60,
                    labels[i]));
        }
        svg.append("</svg>\n");
        return svg
                + String.format(
                        Locale.ROOT,
                        "<p>Mean reward on %d held-out questions: %.3f before, %.3f after %d GRPO steps (%s), which"
                                + " took %.1f s: %.2f s per step, held-out scoring before and after included.</p>%n",
                        g.questions(),
                        g.meanRewardBefore(),
                        g.meanRewardAfter(),
                        g.steps(),
                        Html.escape(String.valueOf(g.detail())),
                        g.seconds(),
                        g.secondsPerStep())
                + gate(g.gate());
    }

    /** Eval's gate on the stage's last checkpoint: a GRPO stage has no target domain, only protected ones. */
    static String gate(EvalReport.GateDecision gate) {
        if (gate == null) {
            return "";
        }
        return String.format(
                Locale.ROOT,
                "<p>Eval's release gate on the stage's last checkpoint: <strong>%s</strong>; protected domains %s. %s</p>%n",
                gate.released() ? "released" : "not released",
                Html.escape(gate.protectedDomains().isEmpty() ? "none" : String.join(", ", gate.protectedDomains())),
                Html.escape(gate.reason()));
    }

    private static String value(Double v) {
        return v == null ? "not defined yet" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static final String CSS = """
            body { font-family: sans-serif; max-width: 860px; margin: 2em auto; color: #222; }
            h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 1.6em; }
            svg.chart text { font-size: 11px; fill: #333; }
            svg.chart text.title { font-size: 13px; font-weight: bold; }
            table.matrix { border-collapse: collapse; }
            table.matrix th, table.matrix td { border: 1px solid #bbb; padding: .3em .6em; text-align: right; }
            table.matrix th { background: #f3f3f3; }
            td.base { font-style: italic; }
            p.none { color: #777; font-style: italic; }
            """;
}
