package dev.cpt.trainer.bench;

import dev.cpt.contracts.Forgetting;
import dev.cpt.trainer.bench.GrpoVsSftBenchmark.Measure;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The GRPO vs SFT tables: per method and step count the mean and 95% t-interval over seeds of the held-out reward gain
 * and of each domain's loss change (eval's {@link Forgetting#vsBase()}), then each domain's loss change at the reward
 * gain both methods reach, with the GRPO - SFT difference paired by seed.
 *
 * @param base the base's measure
 * @param domains the domains, in print order
 * @param at the step counts measured
 * @param runs {@code runs[method][seed][k]}: method 0 GRPO, 1 SFT; the measure after {@code at[k]} steps
 */
record GrpoVsSftReport(Measure base, List<String> domains, int[] at, Measure[][][] runs) {
    private static final List<String> METHODS = List.of("GRPO", "SFT");

    void print() {
        int seeds = runs[0].length;
        System.out.printf(
                Locale.ROOT,
                "%nmean [95%% t-interval] over %d seeds; loss change = held-out loss minus the base's, nats/token"
                        + " (eval's forgettingVsBase)%n",
                seeds);
        StringBuilder head =
                new StringBuilder(String.format(Locale.ROOT, "%-6s %5s  %-27s", "method", "steps", "reward gain"));
        domains.forEach(d -> head.append(String.format(Locale.ROOT, "  %-27s", d + " loss change")));
        System.out.println(head);
        for (int m = 0; m < METHODS.size(); m++) {
            for (int k = 0; k < at.length; k++) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-6s %5d", METHODS.get(m), at[k]));
                double[] gain = new double[seeds];
                for (int s = 0; s < seeds; s++) {
                    gain[s] = runs[m][s][k].reward() - base.reward();
                }
                row.append("  ").append(format(SeedStats.interval(gain)));
                for (String d : domains) {
                    double[] change = new double[seeds];
                    for (int s = 0; s < seeds; s++) {
                        change[s] = forgetting(m, s, k).vsBase().get(d);
                    }
                    row.append("  ").append(format(SeedStats.interval(change)));
                }
                System.out.println(row);
            }
        }
        int last = at.length - 1;
        System.out.printf(
                Locale.ROOT,
                "%nforgetting vs best (eval's forgetting: loss now minus its lowest so far) at step %d:%n",
                at[last]);
        for (int m = 0; m < METHODS.size(); m++) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-6s", METHODS.get(m)));
            for (String d : domains) {
                double[] f = new double[seeds];
                for (int s = 0; s < seeds; s++) {
                    f[s] = forgetting(m, s, last).vsBest().get(d);
                }
                row.append(String.format(Locale.ROOT, "  %s %s", d, format(SeedStats.interval(f))));
            }
            System.out.println(row);
        }
        printAtEqualGain(seeds);
    }

    /**
     * Per seed, the gain both reach is the smaller of the two methods' largest gains over the step counts; a seed where
     * either never gained is left out. Each method's loss change there is read off its path by {@link SeedStats#atGain}.
     */
    private void printAtEqualGain(int seeds) {
        double[] target = new double[seeds];
        List<Integer> both = new ArrayList<>();
        for (int s = 0; s < seeds; s++) {
            target[s] = SeedStats.reachedByBoth(gains(0, s), gains(1, s));
            if (target[s] > 0) {
                both.add(s);
            }
        }
        System.out.printf(
                Locale.ROOT,
                "%nat equal reward gain: both methods gained in %d of %d seeds%s%n",
                both.size(),
                seeds,
                both.isEmpty()
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                ", gain compared %s",
                                format(SeedStats.interval(both.stream()
                                        .mapToDouble(s -> target[s])
                                        .toArray()))));
        if (both.size() < 2) {
            System.out.println("  fewer than 2 such seeds: no interval");
            return;
        }
        for (String d : domains) {
            double[] grpo = new double[both.size()];
            double[] sft = new double[both.size()];
            double[] diff = new double[both.size()];
            for (int i = 0; i < both.size(); i++) {
                int s = both.get(i);
                grpo[i] = SeedStats.atGain(gains(0, s), changes(0, s, d), target[s]);
                sft[i] = SeedStats.atGain(gains(1, s), changes(1, s, d), target[s]);
                diff[i] = grpo[i] - sft[i];
            }
            SeedStats.Interval delta = SeedStats.interval(diff);
            System.out.printf(
                    Locale.ROOT,
                    "  %-12s loss change GRPO %s, SFT %s, GRPO - SFT %s: %s%n",
                    d,
                    format(SeedStats.interval(grpo)),
                    format(SeedStats.interval(sft)),
                    format(delta),
                    delta.excludesZero()
                            ? (delta.mean() < 0 ? "GRPO forgets less" : "GRPO forgets more")
                            : "no difference shown");
        }
    }

    /** Eval's forgetting of method {@code m}, seed {@code s}, after {@code at[k]} steps: the base, then each measure. */
    private Forgetting forgetting(int m, int s, int k) {
        List<Map<String, Double>> losses = new ArrayList<>();
        losses.add(base.losses());
        for (int j = 0; j <= k; j++) {
            losses.add(runs[m][s][j].losses());
        }
        return Forgetting.of(losses);
    }

    private double[] gains(int m, int s) {
        return GrpoVsSftBenchmark.gains(runs[m][s], base);
    }

    private double[] changes(int m, int s, String domain) {
        double[] out = new double[at.length];
        for (int k = 0; k < at.length; k++) {
            out[k] = forgetting(m, s, k).vsBase().get(domain);
        }
        return out;
    }

    private static String format(SeedStats.Interval i) {
        return String.format(Locale.ROOT, "%+.4f [%+.4f, %+.4f]", i.mean(), i.low(), i.high());
    }
}
