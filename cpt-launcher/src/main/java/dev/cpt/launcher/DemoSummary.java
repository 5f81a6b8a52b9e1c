package dev.cpt.launcher;

import dev.cpt.contracts.DomainScore;
import dev.cpt.contracts.EvalReport;
import dev.cpt.launcher.Demo.CorpusUse;
import dev.cpt.launcher.Demo.DemoResult;
import dev.cpt.launcher.report.Figures;
import dev.cpt.launcher.report.GrpoSummary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** What the demo tells when it is done: the report page's facts and the console summary. */
final class DemoSummary {
    private DemoSummary() {}

    /** The report page's facts: what stage 0, each corpus, eval and the reward service did. */
    static List<String> facts(DemoResult result) {
        StageZero.Outcome base = result.base();
        List<String> facts = new ArrayList<>();
        if (base != null) {
            facts.add(String.format(
                    Locale.ROOT,
                    "Stage 0: the base model (%s) was %s on %,d tokens of the general corpus"
                            + " (final training loss %.3f); cached in %s.",
                    base.recipe().model(),
                    base.reused() ? "reused from the cache, trained earlier" : "pre-trained now",
                    base.trainingTokens(),
                    base.finalLoss(),
                    base.directory()));
        } else {
            facts.add("Stage 0 did not run: the trainer started from fresh weights.");
        }
        for (CorpusUse c : result.corpora()) {
            facts.add(String.format(
                    Locale.ROOT,
                    "%s: %s (%s), %d documents streamed (%d rejected or deduplicated by ingest),"
                            + " %,d training tokens, %d held-out documents.",
                    c.domain(),
                    c.title(),
                    c.license(),
                    c.documents(),
                    c.rejected(),
                    c.trainingTokens(),
                    c.heldoutDocuments()));
        }
        facts.add(String.format(
                Locale.ROOT,
                "%d checkpoints evaluated; the last at step %d.",
                result.reports().stream()
                        .filter(r -> !r.failed())
                        .map(EvalReport::step)
                        .distinct()
                        .count(),
                result.finalReport().step()));
        facts.add(String.format(
                Locale.ROOT,
                "Reward service check: %.3f for one explanation.",
                result.reward().reward()));
        facts.add(String.format(Locale.ROOT, "Demo job time: %.0f s (stage 0 not included).", result.seconds()));
        return facts;
    }

    /** The console summary: held-out loss per checkpoint, transfer, GRPO, the reward check and where the report is. */
    static String text(DemoResult result, EvalReport afterGrpo, Path json, Path html) {
        StringBuilder s = new StringBuilder("Held-out loss per domain (nats/token) after each checkpoint:\n");
        for (EvalReport r : result.reports()) {
            s.append(String.format(
                    Locale.ROOT,
                    "  step %5d  %s%n",
                    r.step(),
                    r.domains().entrySet().stream()
                            .sorted(Map.Entry.comparingByKey())
                            .map(e -> e.getKey() + " "
                                    + String.format(
                                            Locale.ROOT, "%.3f", e.getValue().loss()))
                            .collect(Collectors.joining("  "))));
        }
        Figures.Forgetting f = result.figures().forgetting();
        if (f != null) {
            s.append(String.format(
                    Locale.ROOT,
                    "BWT %s, FWT %s (see the report for the matrix)%n",
                    f.backwardTransfer() == null ? "-" : String.format(Locale.ROOT, "%.3f", f.backwardTransfer()),
                    f.forwardTransfer() == null ? "-" : String.format(Locale.ROOT, "%.3f", f.forwardTransfer())));
        }
        GrpoSummary g = result.figures().grpo();
        s.append(
                g == null
                        ? "GRPO stage not run.\n"
                        : String.format(
                                Locale.ROOT,
                                "GRPO: mean reward %.3f before, %.3f after; %d steps in %.1f s (%.2f s per step, held-out"
                                        + " scoring before and after included).%n",
                                g.meanRewardBefore(),
                                g.meanRewardAfter(),
                                g.steps(),
                                g.seconds(),
                                g.secondsPerStep()));
        if (afterGrpo != null) {
            // What GRPO did to language modelling on each domain: its last checkpoint against the CPT run's last.
            s.append("Held-out loss after GRPO (run ").append(afterGrpo.runId()).append("), change vs. before: ");
            s.append(afterGrpo.domains().entrySet().stream()
                            .sorted(Map.Entry.comparingByKey())
                            .map(e -> {
                                DomainScore before =
                                        result.finalReport().domains().get(e.getKey());
                                return String.format(
                                        Locale.ROOT,
                                        "%s %.3f (%+.3f)",
                                        e.getKey(),
                                        e.getValue().loss(),
                                        before == null
                                                ? Double.NaN
                                                : e.getValue().loss() - before.loss());
                            })
                            .collect(Collectors.joining(", ")))
                    .append('\n');
            if (afterGrpo.gate() != null) {
                s.append("Eval's release gate on it: ")
                        .append(afterGrpo.gate().released() ? "released" : "not released")
                        .append(" (")
                        .append(afterGrpo.gate().reason())
                        .append(")\n");
            }
        }
        s.append(String.format(
                Locale.ROOT,
                "Reward for the demo explanation: %.3f%n",
                result.reward().reward()));
        s.append(String.format(
                Locale.ROOT,
                "Done in %.0f s. Report: %s%nFigures: %s",
                result.seconds(),
                html.toAbsolutePath(),
                json.toAbsolutePath()));
        return s.toString();
    }
}
