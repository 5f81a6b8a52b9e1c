package dev.cpt.launcher.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.DomainScore;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.MixtureWeights;
import dev.cpt.mixing.agent.AgentBenchmark;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The report page and its figures from fixed reports: three domains arriving in three phases. */
class ReportPageTest {
    private static final List<String> DOMAINS = List.of("general", "python", "postgresql");

    /** Checkpoint {@code step}: tokens so far per domain, a loss per domain, and the run's matrix up to then. */
    private static EvalReport report(long step, Map<String, Long> tokens, double... losses) {
        Map<String, DomainScore> scores = new LinkedHashMap<>();
        for (int i = 0; i < losses.length; i++) {
            scores.put(DOMAINS.get(i), new DomainScore(losses[i], Math.exp(losses[i]), 1000));
        }
        var phases = List.of(
                new EvalReport.Phase(1, List.of("general"), 1, 25),
                new EvalReport.Phase(2, List.of("python"), 26, 50),
                new EvalReport.Phase(3, List.of("postgresql"), 51, 75));
        var matrix = List.of(
                new EvalReport.MatrixRow(1, 25, Map.of("general", 3.0, "python", 4.0, "postgresql", 4.2)),
                new EvalReport.MatrixRow(2, 50, Map.of("general", 3.3, "python", 2.9, "postgresql", 3.9)),
                new EvalReport.MatrixRow(3, 75, Map.of("general", 3.4, "python", 3.1, "postgresql", 2.8)));
        var continual = new EvalReport.ContinualMetrics(
                0,
                Map.of("general", 3.5, "python", 4.5, "postgresql", 4.6),
                phases,
                matrix,
                Map.of("general", 0.4, "python", 0.2),
                Map.of("general", -0.1),
                -0.3,
                0.45,
                List.of());
        return new EvalReport(
                "demo", step, "sha", scores, "set", null, Instant.EPOCH, "file:x", tokens, null, continual, null, null);
    }

    private static List<EvalReport> reports() {
        List<EvalReport> r = new ArrayList<>();
        r.add(report(0, Map.of(), 3.5, 4.5, 4.6));
        r.add(report(25, Map.of("general", 25_000L), 3.0, 4.0, 4.2));
        r.add(report(50, Map.of("general", 25_000L, "python", 25_000L), 3.3, 2.9, 3.9));
        r.add(report(75, Map.of("general", 25_000L, "python", 25_000L, "postgresql", 25_000L), 3.4, 3.1, 2.8));
        r.add(new EvalReport("demo", 80, "sha", Map.of(), null, "checkpoint unreadable", Instant.EPOCH)); // left out
        return r;
    }

    private static List<MixtureWeights> mixture() {
        return List.of(
                new MixtureWeights(1, "uniform", Map.of("general", 1.0), Instant.EPOCH),
                new MixtureWeights(2, "uniform", Map.of("general", 0.5, "python", 0.5), Instant.EPOCH),
                new MixtureWeights(3, "uniform", Map.of("python", 0.5, "postgresql", 0.5), Instant.EPOCH));
    }

    private static int count(String haystack, String regex) {
        Matcher m = Pattern.compile(regex).matcher(haystack);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void lossChartHasOnePolylinePerDomainOverTokens() {
        Figures figures = FigureBuilder.build(reports(), mixture(), null);
        assertEquals(DOMAINS.size(), figures.lossByDomain().size());
        LineChart.Series python = figures.lossByDomain().stream()
                .filter(s -> s.name().equals("python"))
                .findFirst()
                .orElseThrow();
        // x is all tokens trained at the checkpoint; the failed report adds no point
        assertEquals(
                List.of(0.0, 25_000.0, 50_000.0, 75_000.0),
                python.points().stream().map(LineChart.Point::x).toList());
        assertEquals(
                List.of(4.5, 4.0, 2.9, 3.1),
                python.points().stream().map(LineChart.Point::y).toList());

        String html = ReportPage.html("demo", List.of("a fact"), figures);
        String lossSection =
                html.substring(html.indexOf("<section id=\"loss\">"), html.indexOf("<section id=\"mixture\">"));
        assertEquals(3, count(lossSection, "<polyline "));
        for (String d : DOMAINS) {
            assertTrue(lossSection.contains("data-series=\"" + d + "\""), d);
        }
        // each polyline holds one point per checkpoint
        Matcher points = Pattern.compile("points=\"([^\"]*)\"").matcher(lossSection);
        while (points.find()) {
            assertEquals(4, points.group(1).split(" ").length);
        }
    }

    @Test
    void aDomainWhoseHeldOutSetCameLateStartsAtItsBaseLoss() {
        // python's held-out documents arrive after step 25: no score at steps 0 and 25, but eval knows its base loss
        List<EvalReport> reports = List.of(
                report(0, Map.of()),
                report(25, Map.of("general", 25_000L), 3.0),
                report(50, Map.of("general", 25_000L, "python", 25_000L), 3.3, 2.9));
        LineChart.Series python =
                FigureBuilder.build(reports, List.of(), null).lossByDomain().get(1);
        assertEquals("python", python.name());
        assertEquals(List.of(new LineChart.Point(0, 4.5), new LineChart.Point(50_000, 2.9)), python.points());
    }

    @Test
    void mixtureChartHasADomainSeriesWithZeroWhereARoundLeftItOut() {
        Figures figures = FigureBuilder.build(reports(), mixture(), null);
        LineChart.Series general = figures.mixtureWeights().get(0);
        assertEquals("general", general.name());
        assertEquals(
                List.of(1.0, 0.5, 0.0),
                general.points().stream().map(LineChart.Point::y).toList());
        LineChart.Series replay = figures.mixtureWeights().get(3);
        assertEquals("replay share", replay.name());
        assertEquals(
                List.of(0.0, 0.0, 0.0),
                replay.points().stream().map(LineChart.Point::y).toList());
        String html = ReportPage.html("demo", List.of(), figures);
        String section =
                html.substring(html.indexOf("<section id=\"mixture\">"), html.indexOf("<section id=\"forgetting\">"));
        assertEquals(figures.mixtureWeights().size(), count(section, "<polyline "));
    }

    @Test
    void theBenchmarksBestStaticRatioIsDrawnAcrossTheRounds() {
        var benchmark = new AgentBenchmark(
                "cpt bench", "equal-budget", List.of("general", "python", "postgresql"), 3, 0.25, 4.9, 4.8);
        List<LineChart.Series> series = FigureBuilder.mixtureWeights(mixture(), Optional.of(benchmark));
        LineChart.Series line = series.get(series.size() - 1);
        assertEquals("best static replay in cpt bench (0.25, equal-budget)", line.name());
        assertEquals(List.of(new LineChart.Point(1, 0.25), new LineChart.Point(3, 0.25)), line.points());
        assertEquals(
                4, FigureBuilder.mixtureWeights(mixture(), Optional.empty()).size());
    }

    @Test
    void forgettingMatrixHasNByNCellsAndTheBaseRow() {
        Figures figures = FigureBuilder.build(reports(), mixture(), null);
        Figures.Forgetting f = figures.forgetting();
        assertNotNull(f);
        assertEquals(DOMAINS, f.domains());
        assertEquals(4, f.rows().size()); // base + 3 phases
        assertEquals(List.of(3.3, 2.9, 3.9), f.losses().get(2));

        String html = ReportPage.html("demo", List.of(), figures);
        String section =
                html.substring(html.indexOf("<section id=\"forgetting\">"), html.indexOf("<section id=\"grpo\">"));
        assertEquals(3 * 3, count(section, "<td class=\"cell"));
        assertEquals(3, count(section, "<td class=\"base"));
        assertTrue(section.contains("BWT, negative = forgetting): -0.300"), section);
        assertTrue(section.contains("FWT): 0.450"), section);
        assertTrue(section.contains("after phase 2: python (step 50)"), section);
    }

    @Test
    void grpoSectionSaysNotRunWithoutInputAndShowsBothRewardsWithIt() {
        String without = ReportPage.html("demo", List.of(), FigureBuilder.build(reports(), mixture(), null));
        assertTrue(without.contains("GRPO stage not run"));
        assertEquals(0, count(without, "class=\"bar\""));

        GrpoSummary grpo = new GrpoSummary(20, 30, 15.0, 0.412, 0.587, "trainer GRPO job 7");
        String with = ReportPage.html("demo", List.of(), FigureBuilder.build(reports(), mixture(), grpo));
        assertFalse(with.contains("GRPO stage not run"));
        assertEquals(2, count(with, "class=\"bar\""));
        assertTrue(with.contains("0.412 before, 0.587 after 30 GRPO steps"), with);
        assertTrue(with.contains("took 15.0 s: 0.50 s per step"), with);
        assertFalse(with.contains("release gate"), "no gate line before eval has reported: " + with);

        var branchGate = new EvalReport.GateDecision(
                false,
                "GRPO/branch gate (no target) vs branch point run demo step 40: protected general regressed 0.0800 > 0.0500",
                List.of(),
                40,
                false,
                null,
                Map.of("general", 0.08),
                false,
                null,
                List.of("general", "python"),
                new EvalReport.BranchPoint("file:/store/demo/step-000000040/", "demo", 40L));
        String gated = ReportPage.html(
                "demo", List.of(), FigureBuilder.build(reports(), mixture(), grpo.withGate(branchGate)));
        assertTrue(
                gated.contains("release gate on the stage's last checkpoint: <strong>not released</strong>; "
                        + "protected domains general, python. GRPO/branch gate"),
                gated);
        assertTrue(gated.contains("protected general regressed 0.0800 &gt; 0.0500"), gated);
    }

    @Test
    void pageIsSelfContainedAndEscapesText() {
        String html = ReportPage.html(
                "demo <run>",
                List.of("domain <script>alert(1)</script> & more"),
                FigureBuilder.build(reports(), mixture(), null));
        assertFalse(html.contains("<script"), "no script, inline or fetched");
        assertTrue(html.contains("demo &lt;run&gt;"));
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"));
        // the only URL is the SVG namespace: nothing is fetched when the page opens
        assertEquals(count(html, "https?://"), count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
    }

    @Test
    void noReportsGiveEmptySectionsNotErrors() {
        Figures figures = FigureBuilder.build(List.of(), List.of(), null);
        assertNull(figures.forgetting());
        String html = ReportPage.html("demo", List.of(), figures);
        assertTrue(html.contains("No checkpoint was evaluated."));
        assertTrue(html.contains("The mixer published no weights."));
        assertEquals(0, count(html, "<polyline "));
    }

    @Test
    void figuresRoundTripThroughJson() {
        Figures figures = FigureBuilder.build(reports(), mixture(), new GrpoSummary(20, 30, 15.0, 0.4, 0.5, "x"));
        Figures back = Json.read(Json.write(figures), Figures.class);
        assertEquals(figures, back);
    }
}
