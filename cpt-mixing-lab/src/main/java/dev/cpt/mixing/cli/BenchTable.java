package dev.cpt.mixing.cli;

import dev.cpt.mixing.text.TextRunSettings;
import dev.cpt.mixing.text.TextRunSettings.Budget;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The text benchmark's table for one sequence and one reading. Per run:
 *
 * <ul>
 *   <li>target loss: the mean final held-out loss of the domains that arrived after the general one;
 *   <li>forgetting: the mean, over the earlier domains (the general one and every arriving domain but the last), of
 *       the final held-out loss minus the loss when that domain's own training ended (for the general domain: after
 *       pre-training);
 *   <li>mean loss: the mean final held-out loss over every domain of the sequence.
 * </ul>
 *
 * Each is averaged over seeds with a 95 % t-interval. A row is dominated when another is no worse on target loss and
 * forgetting and better on one. The agent is compared with every other row paired by seed, and with the static replay
 * frontier fitted at its forgetting.
 */
final class BenchTable {
    private BenchTable() {}

    /** One policy's runs on one sequence, in seed order. */
    record Row(
            String label,
            double replay,
            List<String> domains,
            double[][] finalLoss,
            double[] target,
            double[] forgetting,
            double[] meanLoss,
            double[] tokensPerPhase) {

        static Row of(PolicyBench.Spec spec, List<TextBench.RunRecord> runs) {
            List<String> domains = runs.get(0).sequence();
            int n = runs.size();
            double[][] fin = new double[domains.size()][n];
            double[] target = new double[n];
            double[] forgetting = new double[n];
            double[] mean = new double[n];
            double[] tokens = new double[n];
            for (int i = 0; i < n; i++) {
                TextBench.RunRecord r = runs.get(i);
                Map<String, Double> end = r.finalLoss();
                for (int d = 0; d < domains.size(); d++) {
                    fin[d][i] = end.get(domains.get(d));
                    mean[i] += fin[d][i] / domains.size();
                }
                for (int d = 1; d < domains.size(); d++) {
                    target[i] += fin[d][i] / (domains.size() - 1);
                }
                double f = fin[0][i] - r.generalBefore();
                for (int d = 1; d + 1 < domains.size(); d++) {
                    f += fin[d][i] - r.phaseEndLoss().get(domains.get(d));
                }
                forgetting[i] = f / (domains.size() - 1);
                tokens[i] = r.phaseTokens().stream()
                        .mapToLong(Long::longValue)
                        .average()
                        .orElse(0);
            }
            double replay = spec.name().equals("static")
                    ? Double.parseDouble(spec.params().get("replay"))
                    : Double.NaN;
            return new Row(spec.label(), replay, domains, fin, target, forgetting, mean, tokens);
        }

        boolean isStatic() {
            return !Double.isNaN(replay);
        }

        /** The row as the frontier fit reads it: target and forgetting per seed. */
        PolicyBench.Row forFit() {
            double t = Stats.mean(target);
            return new PolicyBench.Row(
                    label,
                    t,
                    t,
                    Stats.mean(forgetting),
                    Stats.sd(target),
                    Stats.sd(forgetting),
                    target,
                    forgetting,
                    replay);
        }
    }

    static void print(
            PrintStream out,
            Budget budget,
            List<String> sequence,
            List<Row> rows,
            TextRunSettings settings,
            int resamples) {
        out.printf(
                "%n%s: %s%n",
                String.join(" -> ", sequence),
                budget == Budget.EQUAL_TOKENS
                        ? "EQUAL-BUDGET reading (every policy trains " + String.format("%,d", settings.phaseTokens())
                                + " tokens per phase, replay included)"
                        : "EQUAL-FRESH reading (each phase brings " + String.format("%,d", settings.phaseTokens())
                                + " fresh tokens and lasts until they are used; a policy that replays more trains"
                                + " more)");
        StringBuilder header = new StringBuilder(String.format("| %-16s |", "policy"));
        for (String d : sequence) {
            header.append(String.format(" %-15s |", d));
        }
        header.append(String.format(
                " %-15s | %-16s | %-15s | %9s | %s",
                "target loss", "forgetting", "mean loss", "tok/phase", "dominated by"));
        out.println(header);
        for (Row r : rows) {
            StringBuilder line = new StringBuilder(String.format("| %-16s |", r.label()));
            for (double[] d : r.finalLoss()) {
                line.append(' ').append(Stats.interval(d, "%.4f")).append(" |");
            }
            line.append(' ').append(Stats.interval(r.target(), "%.4f")).append(" |");
            line.append(' ').append(Stats.interval(r.forgetting(), "%+.4f")).append(" |");
            line.append(' ').append(Stats.interval(r.meanLoss(), "%.4f")).append(" |");
            line.append(String.format(" %,9.0f | ", Stats.mean(r.tokensPerPhase())));
            List<String> by = dominating(rows, r);
            line.append(by.isEmpty() ? "-" : String.join(", ", by));
            out.println(line);
        }
        out.println("(each cell: mean over seeds ± half-width of the 95 % t-interval)");
        bestStatic(rows)
                .ifPresent(b -> out.printf(
                        "static ratio with the lowest mean loss: %s (%.4f)%n", b.label(), Stats.mean(b.meanLoss())));
        rows.stream().filter(r -> r.label().equals("agent")).findFirst().ifPresent(agent -> {
            agentComparisons(out, rows, agent);
            frontier(out, rows, agent, resamples);
        });
    }

    /** The static replay ratio with the lowest mean loss over all domains. */
    static Optional<Row> bestStatic(List<Row> rows) {
        return rows.stream().filter(Row::isStatic).min(Comparator.comparingDouble(r -> Stats.mean(r.meanLoss())));
    }

    private static List<String> dominating(List<Row> rows, Row r) {
        List<String> by = new ArrayList<>();
        double t = Stats.mean(r.target());
        double f = Stats.mean(r.forgetting());
        for (Row o : rows) {
            double ot = Stats.mean(o.target());
            double of = Stats.mean(o.forgetting());
            if (o != r && ot <= t && of <= f && (ot < t || of < f)) {
                by.add(o.label());
            }
        }
        return by;
    }

    private static void agentComparisons(PrintStream out, List<Row> rows, Row agent) {
        out.println("agent minus each policy, paired by seed (mean ± 95 % half-width):");
        for (Row r : rows) {
            if (r != agent) {
                out.printf(
                        "  vs %-16s target %s  forgetting %s  mean loss %s%n",
                        r.label(),
                        Stats.interval(Stats.minus(agent.target(), r.target()), "%+.4f"),
                        Stats.interval(Stats.minus(agent.forgetting(), r.forgetting()), "%+.4f"),
                        Stats.interval(Stats.minus(agent.meanLoss(), r.meanLoss()), "%+.4f"));
            }
        }
    }

    private static void frontier(PrintStream out, List<Row> rows, Row agent, int resamples) {
        List<PolicyBench.Row> statics =
                rows.stream().filter(Row::isStatic).map(Row::forFit).toList();
        if (statics.size() < 3) {
            out.println("static frontier: needs at least three static replay ratios");
            return;
        }
        FrontierFit fit = FrontierFit.of(agent.forFit(), statics, resamples, 1);
        if (fit == null) {
            out.printf(
                    "static frontier at the agent's forgetting (%+.4f): outside what the static ratios forget%n",
                    Stats.mean(agent.forgetting()));
            return;
        }
        out.printf(
                "static frontier at the agent's forgetting (%+.4f), quadratic fit over the static ratios: replay %.3f,"
                        + " target %.4f; agent %.4f, agent minus frontier %+.4f, 95%% bootstrap interval over seeds"
                        + " %+.4f..%+.4f (%d resamples, %d fitted past the ratios' range, %d dropped)%n",
                Stats.mean(agent.forgetting()),
                fit.ratio(),
                fit.staticTarget(),
                Stats.mean(agent.target()),
                fit.difference(),
                fit.low(),
                fit.high(),
                fit.resamples(),
                fit.extrapolatedResamples(),
                fit.failedResamples());
    }
}
