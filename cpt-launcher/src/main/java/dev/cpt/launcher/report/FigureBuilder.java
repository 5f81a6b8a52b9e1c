package dev.cpt.launcher.report;

import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.MixtureWeights;
import dev.cpt.mixing.agent.AgentBenchmark;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** Turns what the loop published (eval reports, mixture weights) into the report's {@link Figures}. */
public final class FigureBuilder {
    private FigureBuilder() {}

    public static Figures build(List<EvalReport> reports, List<MixtureWeights> mixture, GrpoSummary grpo) {
        List<EvalReport> scored = byStep(reports);
        return new Figures(
                lossByDomain(scored),
                mixtureWeights(mixture),
                scored.isEmpty() ? null : forgetting(scored.get(scored.size() - 1)),
                grpo);
    }

    /** One report per step (the latest one of a step wins), failed ones left out, in step order. */
    private static List<EvalReport> byStep(List<EvalReport> reports) {
        Map<Long, EvalReport> byStep = new TreeMap<>();
        for (EvalReport r : reports) {
            if (!r.failed()) {
                byStep.put(r.step(), r);
            }
        }
        return List.copyOf(byStep.values());
    }

    /**
     * x: tokens trained over all domains at the checkpoint; y: the domain's held-out loss there. Each series starts
     * at the base model's loss (x = 0) when eval measured it: a domain's held-out set usually arrives after the
     * step-0 checkpoint was scored, and eval scores the base on it later for the continual metrics.
     */
    static List<LineChart.Series> lossByDomain(List<EvalReport> scored) {
        Map<String, List<LineChart.Point>> series = new LinkedHashMap<>();
        EvalReport.ContinualMetrics last =
                scored.isEmpty() ? null : scored.get(scored.size() - 1).continual();
        Map<String, Double> base = last == null ? Map.of() : last.baseLosses();
        for (EvalReport r : scored) {
            double tokens = r.tokensPerDomain().values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
            r.domains().entrySet().stream()
                    .sorted(Map.Entry.comparingByKey())
                    .forEach(e -> series.computeIfAbsent(e.getKey(), k -> startAtBase(base.get(k)))
                            .add(new LineChart.Point(tokens, e.getValue().loss())));
        }
        for (List<LineChart.Point> points : series.values()) {
            if (points.size() > 1 && points.get(0).x() == 0 && points.get(1).x() == 0) {
                points.remove(0); // the step-0 checkpoint was scored on this domain itself: no second base point
            }
        }
        return series.entrySet().stream()
                .map(e -> new LineChart.Series(e.getKey(), e.getValue()))
                .toList();
    }

    private static List<LineChart.Point> startAtBase(Double baseLoss) {
        List<LineChart.Point> points = new ArrayList<>();
        if (baseLoss != null) {
            points.add(new LineChart.Point(0, baseLoss));
        }
        return points;
    }

    /**
     * x: the mixer's round; y: each domain's weight in it (0 when the round did not name it), the share of the round's
     * tokens replayed, and, when the shipped agent's benchmark is recorded, the static replay ratio that benchmark
     * found best, to read the agent's mixture against.
     */
    static List<LineChart.Series> mixtureWeights(List<MixtureWeights> mixture) {
        return mixtureWeights(mixture, AgentBenchmark.bundled());
    }

    static List<LineChart.Series> mixtureWeights(List<MixtureWeights> mixture, Optional<AgentBenchmark> benchmark) {
        List<MixtureWeights> rounds = mixture.stream()
                .sorted(Comparator.comparingLong(MixtureWeights::round))
                .toList();
        Set<String> domains = new LinkedHashSet<>();
        rounds.forEach(m -> domains.addAll(new java.util.TreeSet<>(m.weights().keySet())));
        List<LineChart.Series> series = new ArrayList<>();
        for (String d : domains) {
            series.add(new LineChart.Series(
                    d,
                    rounds.stream()
                            .map(m -> new LineChart.Point(m.round(), m.weights().getOrDefault(d, 0.0)))
                            .toList()));
        }
        if (!rounds.isEmpty()) {
            series.add(new LineChart.Series(
                    "replay share",
                    rounds.stream()
                            .map(m -> new LineChart.Point(m.round(), m.replayShare()))
                            .toList()));
            benchmark.ifPresent(b -> series.add(new LineChart.Series(
                    String.format(
                            Locale.ROOT,
                            "best static replay in cpt bench (%.2f, %s)",
                            b.bestStaticReplay(),
                            b.reading()),
                    List.of(
                            new LineChart.Point(rounds.get(0).round(), b.bestStaticReplay()),
                            new LineChart.Point(rounds.get(rounds.size() - 1).round(), b.bestStaticReplay())))));
        }
        return series;
    }

    /** The matrix R of the report's continual metrics: the base row, then one row per phase. */
    static Figures.Forgetting forgetting(EvalReport last) {
        EvalReport.ContinualMetrics c = last.continual();
        if (c == null || c.matrix().isEmpty()) {
            return null;
        }
        Set<String> domains = new LinkedHashSet<>();
        c.phases().forEach(p -> domains.addAll(p.domains()));
        c.matrix()
                .forEach(row ->
                        domains.addAll(new java.util.TreeSet<>(row.losses().keySet())));
        List<String> columns = List.copyOf(domains);
        List<String> rows = new ArrayList<>();
        List<List<Double>> losses = new ArrayList<>();
        if (!c.baseLosses().isEmpty()) {
            rows.add("base (step " + c.baseStep() + ")");
            losses.add(columns.stream().map(d -> c.baseLosses().get(d)).toList());
        }
        for (EvalReport.MatrixRow row : c.matrix()) {
            String phaseDomains = c.phases().stream()
                    .filter(p -> p.index() == row.phase())
                    .findFirst()
                    .map(p -> String.join("+", p.domains()))
                    .orElse("?");
            rows.add("after phase " + row.phase() + ": " + phaseDomains + " (step " + row.step() + ")");
            losses.add(columns.stream().map(d -> row.losses().get(d)).toList());
        }
        return new Figures.Forgetting(rows, columns, losses, c.forgetting(), c.backwardTransfer(), c.forwardTransfer());
    }
}
