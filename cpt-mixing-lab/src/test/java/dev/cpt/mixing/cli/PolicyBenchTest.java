package dev.cpt.mixing.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PolicyBenchTest {
    private static final int SEEDS = 32;

    /** A made-up static line: forgetting 1.2 - r - 0.5 r^2, target 1 + r + 0.8 r^2. */
    private static double forgetting(double r) {
        return 1.2 - r - 0.5 * r * r;
    }

    private static double target(double r) {
        return 1 + r + 0.8 * r * r;
    }

    /** A row whose seed i is the line plus a seed offset shared by every policy plus its own noise of spread sd. */
    private static PolicyBench.Row row(String label, double t, double f, double replay, double sd, Random noise) {
        double[] ts = new double[SEEDS];
        double[] fs = new double[SEEDS];
        for (int i = 0; i < SEEDS; i++) {
            double seedOffset = 0.1 * Math.sin(i);
            ts[i] = t + seedOffset + sd * noise.nextGaussian();
            fs[i] = f + seedOffset + sd * noise.nextGaussian();
        }
        return new PolicyBench.Row(label, mean(ts), mean(ts), mean(fs), 0, 0, ts, fs, replay);
    }

    private static PolicyBench.Row line(double r, double sd, Random noise) {
        return row("static replay=" + r, target(r), forgetting(r), r, sd, noise);
    }

    private static List<PolicyBench.Row> grid(double centre, double sd, Random noise) {
        List<PolicyBench.Row> rows = new ArrayList<>();
        for (double r : FrontierFit.grid(centre)) {
            rows.add(line(r, sd, noise));
        }
        return rows;
    }

    /**
     * The fit for an agent at {@code agentRatio}'s forgetting with target {@code offset} from the line, its seeds
     * spread by {@code agentSd}, against the grid around {@code gridCentre} spread by {@code gridSd}.
     */
    private static FrontierFit fit(
            long seed,
            double agentRatio,
            double offset,
            double agentSd,
            double gridCentre,
            double gridSd,
            int resamples) {
        Random noise = new Random(seed);
        PolicyBench.Row agent =
                row("agent", target(agentRatio) + offset, forgetting(agentRatio), Double.NaN, agentSd, noise);
        return FrontierFit.of(agent, grid(gridCentre, gridSd, noise), resamples, 1);
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    @Test
    void quadraticRecoversExactCoefficients() {
        double[] x = {-0.2, -0.1, 0, 0.1, 0.2, 0.3};
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = 0.5 - 2 * x[i] + 3 * x[i] * x[i];
        }
        assertArrayEquals(new double[] {0.5, -2, 3}, FrontierFit.quadratic(x, y), 1e-9);
    }

    @Test
    void gridIsNineRatiosAHundredthApartAndStaysInsideTheSimplex() {
        assertArrayEquals(
                new double[] {0.66, 0.67, 0.68, 0.69, 0.7, 0.71, 0.72, 0.73, 0.74}, FrontierFit.grid(0.7), 1e-12);
        assertArrayEquals(new double[] {0.98, 0.99, 1.0}, FrontierFit.grid(1.02), 1e-12);
    }

    @Test
    void sweepInterpolationCentresTheGridOnTheAgentsForgetting() {
        Random noise = new Random(1);
        List<PolicyBench.Row> sweep = List.of(line(0.5, 0, noise), line(0.8, 0, noise));
        PolicyBench.Row agent = row("agent", target(0.7), forgetting(0.7), Double.NaN, 0, noise);
        double expected = 0.5 + 0.3 * (forgetting(0.7) - forgetting(0.5)) / (forgetting(0.8) - forgetting(0.5));
        assertEquals(expected, PolicyBench.interpolatedRatio(sweep, agent), 1e-9);
        List<Double> ran = new ArrayList<>();
        PolicyBench.staticAtAgentsForgetting(sweep, agent, r -> {
            ran.add(r);
            return line(r, 0, noise);
        });
        assertEquals(9, ran.size());
        assertEquals(Math.round(expected * 1e4) / 1e4, ran.get(4), 1e-9);
    }

    @Test
    void anAgentForgettingLessThanTheWholeSweepExtendsItUpwards() {
        Random noise = new Random(6);
        List<PolicyBench.Row> sweep = List.of(line(0.5, 0, noise), line(0.8, 0, noise));
        PolicyBench.Row agent = row("agent", target(0.83) - 0.01, forgetting(0.83), Double.NaN, 0, noise);
        List<Double> ran = new ArrayList<>();
        FrontierFit fit = PolicyBench.staticAtAgentsForgetting(sweep, agent, r -> {
            ran.add(r);
            return line(r, 0, noise);
        });
        assertEquals(0.85, ran.get(0), 1e-12);
        assertEquals(10, ran.size());
        assertEquals(0.83, fit.ratio(), 1e-6);
        assertEquals(-0.01, fit.difference(), 1e-6);
    }

    @Test
    void anAgentBeyondANoiselessFrontierIsFoundBeyondItByItsMargin() {
        FrontierFit fit = fit(2, 0.7, -0.02, 0, 0.71, 0, 500);
        assertEquals(0.7, fit.ratio(), 1e-6);
        assertEquals(-0.02, fit.difference(), 1e-6);
        assertTrue(fit.high() < -0.019, "interval " + fit.low() + ".." + fit.high());
        assertTrue(fit.agentBetter());
    }

    @Test
    void anAgentOnAJaggedFrontierIsNotCalledBetter() {
        FrontierFit fit = fit(3, 0.7, 0, 0.03, 0.7, 0.03, 2000);
        assertTrue(fit.low() < 0 && fit.high() > 0, "interval " + fit.low() + ".." + fit.high());
        assertFalse(fit.agentBetter());
    }

    @Test
    void anAgentBehindTheFrontierIsNotCalledBetter() {
        FrontierFit fit = fit(4, 0.7, 0.02, 0.005, 0.7, 0.005, 1000);
        assertTrue(fit.difference() > 0.01);
        assertFalse(fit.agentBetter());
    }

    @Test
    void resamplesThatPutTheAgentJustPastTheGridAreFittedThereNotDropped() {
        FrontierFit fit = fit(7, 0.738, 0, 0.03, 0.7, 0, 1000);
        assertTrue(fit.extrapolatedResamples() > 0);
        assertEquals(0, fit.failedResamples());
        assertTrue(fit.low() < fit.difference() && fit.difference() < fit.high());
    }

    @Test
    void anAgentForgettingMoreThanTheWholeGridGivesNoFit() {
        Random noise = new Random(5);
        PolicyBench.Row agent = row("agent", 1.5, forgetting(0.5), Double.NaN, 0, noise);
        assertNull(FrontierFit.of(agent, grid(0.7, 0, noise), 100, 1));
    }
}
