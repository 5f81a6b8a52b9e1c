package dev.cpt.mixing.cli;

import dev.cpt.mixing.MixingPolicy;
import dev.cpt.mixing.Policies;
import dev.cpt.mixing.agent.AgentArtifact;
import dev.cpt.mixing.proxy.ProxyConfig;
import dev.cpt.mixing.proxy.ProxyRun;
import dev.cpt.mixing.training.Trajectory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;

/**
 * The policy table: general pre-training, then two domains arriving in sequence, the same token budget, proxy model
 * and seeds for every policy. Per policy: each target domain's held-out loss at the end, their mean, and upstream
 * forgetting (general loss at the end minus before the domains arrived), averaged over seeds. A row is dominated when
 * another row is no worse on both mean target loss and forgetting and better on one.
 */
final class PolicyBench {
    private PolicyBench() {}

    /** -Dcpt.bench.verbose=true prints every run's target share per round. */
    private static final boolean VERBOSE = Boolean.getBoolean("cpt.bench.verbose");

    record Spec(String label, String name, Map<String, String> params) {
        static Spec replay(double ratio) {
            return new Spec("static replay=" + ratio, "static", Map.of("replay", Double.toString(ratio)));
        }

        /** A new policy of this spec (policies keep state, so every run gets its own). */
        MixingPolicy policy() {
            return Policies.create(name, new LinkedHashMap<>(params));
        }
    }

    /** Seed resamples for the interval of the agent against the static ratio at its forgetting. */
    private static final int BOOTSTRAP_RESAMPLES = 2000;

    /** Static ratios added beyond the sweep, at most, when the agent's forgetting is outside its range. */
    private static final int SWEEP_EXTENSIONS = 3;

    /** Means over seeds, and per seed the mean target and forgetting, for paired comparisons (same seeds in order). */
    record Row(
            String label,
            double targetA,
            double targetB,
            double forgetting,
            double sdTarget,
            double sdForgetting,
            double[] targets,
            double[] forgettings,
            double replay) {
        double meanTarget() {
            return (targetA + targetB) / 2;
        }

        boolean isStatic() {
            return !Double.isNaN(replay);
        }
    }

    static void main(Map<String, String> o) {
        List<List<String>> pairs = AgentCli.pairs(o.getOrDefault("pairs", "arithmetic:units,code:weather"));
        int seeds = Integer.parseInt(o.getOrDefault("seeds", "8"));
        int firstSeed = Integer.parseInt(o.getOrDefault("first-seed", "1"));
        String agent = o.getOrDefault("agent", AgentArtifact.BUNDLED);
        ProxyConfig config = ProxyConfig.standard();
        String horizon = Long.toString(config.phaseTokens());
        List<Spec> specs = new ArrayList<>();
        for (String r :
                o.getOrDefault("static", "0.25,0.5,0.6,0.7,0.75,0.8,0.85").split(",")) {
            specs.add(Spec.replay(Double.parseDouble(r)));
        }
        specs.add(new Spec("uniform", "uniform", Map.of()));
        specs.add(new Spec("temperature T=2", "temperature", Map.of("temperature", "2")));
        specs.add(new Spec("odm", "odm", Map.of()));
        specs.add(new Spec(
                "cmr tol=" + o.getOrDefault("cmr-tolerance", "0.1"),
                "cmr",
                Map.of("tolerance", o.getOrDefault("cmr-tolerance", "0.1"), "horizonTokens", horizon)));
        specs.add(new Spec("agent", "agent", Map.of("artifact", agent, "horizonTokens", horizon)));
        String only = o.getOrDefault("only", "");
        if (!only.isEmpty()) {
            specs.removeIf(sp -> !sp.label().startsWith(only));
        }
        System.out.printf(
                "proxy %s, %d rounds x %d steps x %d sequences per domain, seeds %d..%d%n",
                config.model(),
                config.rounds(),
                config.stepsPerRound(),
                config.batchSize(),
                firstSeed,
                firstSeed + seeds - 1);
        long t0 = System.nanoTime();
        for (List<String> pair : pairs) {
            List<Row> rows = new ArrayList<>();
            for (Spec spec : specs) {
                rows.add(row(config, pair, spec, firstSeed, seeds));
            }
            print(pair, rows);
            Row agentRow = rows.get(rows.size() - 1);
            if (agentRow.label().equals("agent")) {
                staticAtAgentsForgetting(
                        rows, agentRow, ratio -> row(config, pair, Spec.replay(ratio), firstSeed, seeds));
            }
        }
        System.out.printf("%nbench took %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    private static Row row(ProxyConfig config, List<String> pair, Spec spec, int firstSeed, int seeds) {
        double[] a = new double[seeds];
        double[] b = new double[seeds];
        double[] f = new double[seeds];
        double[] t = new double[seeds];
        for (int i = 1; i <= seeds; i++) {
            int s = firstSeed + i - 1;
            Trajectory traj = new ProxyRun(config, List.of("general", pair.get(0), pair.get(1)), s, s)
                    .run(spec.label(), seed -> spec.policy());
            Map<String, Double> end = traj.outcome().finalLoss();
            a[i - 1] = end.get(pair.get(0));
            b[i - 1] = end.get(pair.get(1));
            f[i - 1] = end.get("general") - traj.outcome().generalBefore();
            t[i - 1] = (a[i - 1] + b[i - 1]) / 2;
            if (VERBOSE) {
                StringBuilder shares = new StringBuilder();
                for (Trajectory.Step st : traj.steps()) {
                    shares.append(String.format(" %.2f", st.slotShares()[0]));
                }
                System.out.printf("  %s seed %d target shares:%s%n", spec.label(), s, shares);
            }
        }
        double replay =
                spec.name().equals("static") ? Double.parseDouble(spec.params().get("replay")) : Double.NaN;
        return new Row(
                spec.label(), Stats.mean(a), Stats.mean(b), Stats.mean(f), Stats.sd(t), Stats.sd(f), t, f, replay);
    }

    private static void print(List<String> pair, List<Row> rows) {
        System.out.printf("%nscenario general -> %s -> %s%n", pair.get(0), pair.get(1));
        System.out.printf(
                "| %-18s | %10s | %10s | %11s | %18s | %s%n",
                "policy", pair.get(0), pair.get(1), "mean target", "general forgetting", "dominated by");
        System.out.println("|" + "-".repeat(20) + "|" + "-".repeat(12) + "|" + "-".repeat(12) + "|" + "-".repeat(13)
                + "|" + "-".repeat(20) + "|" + "-".repeat(14));
        for (Row r : rows) {
            List<String> by = new ArrayList<>();
            for (Row o : rows) {
                if (o != r
                        && o.meanTarget() <= r.meanTarget()
                        && o.forgetting() <= r.forgetting()
                        && (o.meanTarget() < r.meanTarget() || o.forgetting() < r.forgetting())) {
                    by.add(o.label());
                }
            }
            System.out.printf(
                    "| %-18s | %10.4f | %10.4f | %6.4f±%.3f | %+11.4f±%.3f | %s%n",
                    r.label(),
                    r.targetA(),
                    r.targetB(),
                    r.meanTarget(),
                    r.sdTarget(),
                    r.forgetting(),
                    r.sdForgetting(),
                    by.isEmpty() ? "-" : String.join(", ", by));
        }
        Row agent = rows.get(rows.size() - 1);
        if (!agent.label().equals("agent")) {
            return;
        }
        bestTarget(rows, agent);
        frontier(rows, agent);
        // Seeds share pre-training and data streams across policies, so the per-seed differences carry far less
        // spread than the rows' own standard deviations: this is the comparison to read.
        System.out.println("agent minus each static ratio, paired by seed (mean ± standard error):");
        for (Row r : rows) {
            if (r.isStatic()) {
                System.out.printf("  vs %-18s %s%n", r.label(), pairedDifference(agent, r));
            }
        }
    }

    /** The static ratio with the best target loss in the sweep, and whether the agent dominates it. */
    private static void bestTarget(List<Row> rows, Row agent) {
        Row best = rows.stream()
                .filter(Row::isStatic)
                .min((x, y) -> Double.compare(x.meanTarget(), y.meanTarget()))
                .orElseThrow();
        boolean dominates = agent.meanTarget() < best.meanTarget() && agent.forgetting() <= best.forgetting();
        System.out.printf(
                "static ratio with the best target loss: %s at %.4f / %+.4f; the agent (%.4f / %+.4f) %s%n",
                best.label(),
                best.meanTarget(),
                best.forgetting(),
                agent.meanTarget(),
                agent.forgetting(),
                dominates ? "dominates it" : "does not dominate it");
    }

    /**
     * The replay ratio at the agent's forgetting, as a user tuning static replay to a forgetting budget wants it: a
     * grid of ratios around the one the sweep interpolates to the agent's forgetting, each a full run on the same
     * seeds, fitted by {@link FrontierFit}. The target reads here: the agent beats it on target loss at equal
     * forgetting, with the whole 95 % bootstrap interval below zero.
     */
    static FrontierFit staticAtAgentsForgetting(List<Row> rows, Row agent, DoubleFunction<Row> runStatic) {
        List<Row> sweep = new ArrayList<>(rows);
        double centre = interpolatedRatio(sweep, agent);
        for (int more = 0; Double.isNaN(centre) && more < SWEEP_EXTENSIONS; more++) {
            Row extra = extendSweep(sweep, agent, runStatic);
            if (extra == null) {
                break;
            }
            System.out.printf(
                    "sweep extended to bracket the agent's forgetting: %s at %.4f / %+.4f; agent minus it,"
                            + " paired: %s%n",
                    extra.label(), extra.meanTarget(), extra.forgetting(), pairedDifference(agent, extra));
            sweep.add(extra);
            centre = interpolatedRatio(sweep, agent);
        }
        if (Double.isNaN(centre)) {
            System.out.println("static replay at the agent's forgetting: outside the sweep's range");
            return null;
        }
        List<Row> grid = new ArrayList<>();
        for (double r : FrontierFit.grid(centre)) {
            grid.add(runStatic.apply(r));
        }
        System.out.print("grid around replay " + String.format("%.4f", centre) + ":");
        for (Row r : grid) {
            System.out.printf("  %.3f %.4f/%+.4f", r.replay(), r.meanTarget(), r.forgetting());
        }
        System.out.println();
        FrontierFit fit = FrontierFit.of(agent, grid, BOOTSTRAP_RESAMPLES, 1);
        if (fit == null) {
            System.out.println("static replay at the agent's forgetting: outside the grid's fitted range");
            return null;
        }
        System.out.printf(
                "static replay at the agent's forgetting (quadratic fit on the grid): ratio %.4f, target"
                        + " %.4f; agent %.4f, agent minus it %+.4f, 95%% interval %+.4f..%+.4f (of %d resamples, %d fitted"
                        + " past the grid's edge, %d dropped) -> %s%n",
                fit.ratio(),
                fit.staticTarget(),
                agent.meanTarget(),
                fit.difference(),
                fit.low(),
                fit.high(),
                fit.resamples(),
                fit.extrapolatedResamples(),
                fit.failedResamples(),
                fit.agentBetter() ? "agent better on target at equal forgetting" : "agent NOT better");
        return fit;
    }

    /**
     * One more static ratio, 0.05 beyond the sweep on the side the agent's forgetting lies: above the highest ratio
     * when the agent forgets less than every static ratio, below the lowest when it forgets more. Null at the end of
     * [0, 1].
     */
    private static Row extendSweep(List<Row> sweep, Row agent, DoubleFunction<Row> runStatic) {
        List<Row> statics = sweep.stream().filter(Row::isStatic).toList();
        boolean forgetsLess = statics.stream().allMatch(r -> r.forgetting() > agent.forgetting());
        double edge = forgetsLess
                ? statics.stream().mapToDouble(Row::replay).max().orElseThrow()
                : statics.stream().mapToDouble(Row::replay).min().orElseThrow();
        double next = Math.round((edge + (forgetsLess ? 0.05 : -0.05)) * 1e4) / 1e4;
        return next < 0 || next > 1 ? null : runStatic.apply(next);
    }

    /** The ratio at the agent's forgetting, linear between the two sweep ratios that bracket it; NaN outside. */
    static double interpolatedRatio(List<Row> rows, Row agent) {
        Row[] bracket = bracket(rows, agent);
        if (bracket == null) {
            return Double.NaN;
        }
        double t = (agent.forgetting() - bracket[0].forgetting()) / (bracket[1].forgetting() - bracket[0].forgetting());
        return bracket[0].replay() + t * (bracket[1].replay() - bracket[0].replay());
    }

    /** The static rows adjacent in forgetting whose forgetting brackets the agent's, lower first; null if none. */
    private static Row[] bracket(List<Row> rows, Row agent) {
        List<Row> statics = rows.stream()
                .filter(Row::isStatic)
                .sorted((x, y) -> Double.compare(x.forgetting(), y.forgetting()))
                .toList();
        for (int i = 0; i + 1 < statics.size(); i++) {
            Row lo = statics.get(i);
            Row hi = statics.get(i + 1);
            if (lo.forgetting() <= agent.forgetting() && agent.forgetting() <= hi.forgetting()) {
                return new Row[] {lo, hi};
            }
        }
        return null;
    }

    /**
     * The static replay frontier at the agent's forgetting: target loss interpolated linearly between the two static
     * ratios whose forgetting brackets the agent's. Negative: the agent is beyond what any replay ratio reaches.
     */
    private static void frontier(List<Row> rows, Row agent) {
        Row[] bracket = bracket(rows, agent);
        if (bracket == null) {
            System.out.println("static frontier: the agent's forgetting is outside the static ratios' range");
            return;
        }
        Row lo = bracket[0];
        Row hi = bracket[1];
        double t = (agent.forgetting() - lo.forgetting()) / (hi.forgetting() - lo.forgetting());
        double at = lo.meanTarget() + t * (hi.meanTarget() - lo.meanTarget());
        System.out.printf(
                "static frontier at the agent's forgetting (between %s and %s): target %.4f; agent %+.4f"
                        + " from it -> %s%n",
                lo.label(),
                hi.label(),
                at,
                agent.meanTarget() - at,
                agent.meanTarget() < at ? "beyond the frontier" : "on or behind the frontier");
    }

    /** Agent minus a row, per seed: mean ± standard error of the target and of the forgetting difference. */
    private static String pairedDifference(Row agent, Row r) {
        double[] dt = Stats.minus(agent.targets(), r.targets());
        double[] df = Stats.minus(agent.forgettings(), r.forgettings());
        return String.format(
                "target %+.4f±%.4f  forgetting %+.4f±%.4f",
                Stats.mean(dt), Stats.standardError(dt), Stats.mean(df), Stats.standardError(df));
    }
}
