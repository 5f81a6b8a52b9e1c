package dev.cpt.launcher;

import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.MixtureWeights;
import dev.cpt.launcher.report.FigureBuilder;
import dev.cpt.launcher.report.Figures;
import dev.cpt.launcher.report.ReportPage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cpt report}: the HTML report of a stack's training run, built from its topics as the demo builds its own. */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description = {
            "Writes the HTML report of a running or stopped stack, from its topics: held-out loss per domain over"
                    + " tokens, the mixture weights over rounds, the forgetting matrix. A stopped stack's broker is"
                    + " started on its data directory for the time it takes to read them."
        })
final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StackDirectory stack;

    @Option(
            names = "--out",
            paramLabel = "FILE",
            description = "Where to write the page. Default: <data-dir>/report.html")
    Path out;

    @Option(
            names = "--run",
            paramLabel = "RUN",
            description = "The training run to report on. Default: the run with the most checkpoints")
    String run;

    @Override
    public Integer call() throws Exception {
        Path page = out == null ? stack.dataDir.resolve("report.html") : out;
        LoopRecords loop;
        try (StackConnection connection = StackConnection.runningOrStopped(stack.dataDir)) {
            loop = TopicSnapshot.read(connection.clients);
        }
        String reported = run == null ? mainRun(loop.checkpoints) : run;
        List<EvalReport> reports =
                loop.reports.stream().filter(r -> r.runId().equals(reported)).toList();
        List<CheckpointEvent> checkpoints = loop.checkpoints.stream()
                .filter(c -> c.runId().equals(reported))
                .toList();
        if (run != null && reports.isEmpty() && checkpoints.isEmpty()) {
            throw new IllegalArgumentException(
                    "--run " + run + " has no checkpoint and no eval report; runs: " + String.join(", ", runs(loop)));
        }
        Figures figures = FigureBuilder.build(reports, loop.mixture, null);
        Path parent = page.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Files.writeString(
                page,
                ReportPage.html(
                        "Continual pre-training: " + reported, facts(loop, reported, checkpoints, reports), figures));
        spec.commandLine()
                .getOut()
                .printf(
                        Locale.ROOT,
                        "Report on run %s (%d checkpoints, %d eval reports, %d mixer rounds) written to %s%n",
                        reported,
                        checkpoints.size(),
                        reports.size(),
                        loop.mixture.size(),
                        page.toAbsolutePath());
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** The run with the most checkpoints: the main run, not a GRPO branch of it. */
    static String mainRun(List<CheckpointEvent> checkpoints) {
        Map<String, Long> counts = checkpoints.stream()
                .collect(Collectors.groupingBy(CheckpointEvent::runId, TreeMap::new, Collectors.counting()));
        String main = null;
        for (var e : counts.entrySet()) { // in name order: on a tie the shorter name, the run a branch is named after
            if (main == null || e.getValue() > counts.get(main)) {
                main = e.getKey();
            }
        }
        if (main == null) {
            throw new IllegalArgumentException("the stack has no checkpoint yet: nothing to report");
        }
        return main;
    }

    private static List<String> runs(LoopRecords loop) {
        return loop.checkpoints.stream()
                .map(CheckpointEvent::runId)
                .distinct()
                .sorted()
                .toList();
    }

    private static List<String> facts(
            LoopRecords loop, String run, List<CheckpointEvent> checkpoints, List<EvalReport> reports) {
        List<String> facts = new ArrayList<>();
        facts.add("Read from the stack's topics at " + Instant.now() + ".");
        if (!checkpoints.isEmpty()) {
            CheckpointEvent last = checkpoints.get(checkpoints.size() - 1);
            facts.add(String.format(
                    Locale.ROOT,
                    "Run %s: %d checkpoints; the last at step %,d after %,d tokens (%s), %s.",
                    run,
                    checkpoints.size(),
                    last.step(),
                    last.tokensSeen(),
                    KeyValues.counts(last.tokensPerDomain()),
                    last.uri()));
        }
        reports.stream()
                .filter(r -> !r.failed())
                .reduce((a, b) -> b)
                .ifPresent(r -> facts.add(String.format(
                        Locale.ROOT,
                        "Last eval, step %,d: held-out loss %s (nats/token).",
                        r.step(),
                        KeyValues.joined(r.domains(), s -> String.format(Locale.ROOT, "%.3f", s.loss())))));
        long failed = reports.stream().filter(EvalReport::failed).count();
        if (failed > 0) {
            facts.add(failed + " eval reports are errors; their checkpoints are not plotted.");
        }
        if (!loop.mixture.isEmpty()) {
            MixtureWeights m = loop.mixture.get(loop.mixture.size() - 1);
            facts.add(String.format(
                    Locale.ROOT,
                    "Mixer: %d rounds; the last (round %d, policy %s) weighed %s.",
                    loop.mixture.size(),
                    m.round(),
                    m.policy(),
                    KeyValues.threeDecimals(m.weights())));
        }
        return facts;
    }
}
