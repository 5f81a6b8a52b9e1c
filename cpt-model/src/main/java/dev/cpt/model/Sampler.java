package dev.cpt.model;

import java.util.Arrays;
import java.util.Random;

/** Picks the next token from one row of logits according to {@link SamplingSettings}. */
final class Sampler {

    private Sampler() {}

    static int sample(float[] logits, SamplingSettings s, Random rng) {
        if (s.temperature() <= 0) {
            return argmax(logits);
        }
        int v = logits.length;
        double[] scaled = new double[v];
        for (int i = 0; i < v; i++) {
            scaled[i] = logits[i] / s.temperature();
        }
        if (s.topK() > 0 && s.topK() < v) {
            double[] sorted = scaled.clone();
            Arrays.sort(sorted);
            double threshold = sorted[v - s.topK()];
            for (int i = 0; i < v; i++) {
                if (scaled[i] < threshold) {
                    scaled[i] = Double.NEGATIVE_INFINITY;
                }
            }
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double x : scaled) {
            max = Math.max(max, x);
        }
        double[] p = new double[v];
        double sum = 0;
        for (int i = 0; i < v; i++) {
            p[i] = Math.exp(scaled[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < v; i++) {
            p[i] /= sum;
        }
        if (s.topP() < 1.0) {
            nucleus(p, s.topP());
        }
        double u = rng.nextDouble();
        double acc = 0;
        int last = -1;
        for (int i = 0; i < v; i++) {
            if (p[i] > 0) {
                acc += p[i];
                last = i;
                if (u < acc) {
                    return i;
                }
            }
        }
        return last; // rounding left u >= acc; fall back to the last token with mass
    }

    /** Keeps the smallest most-likely set whose mass reaches topP, renormalised in place. */
    private static void nucleus(double[] p, double topP) {
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < p.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        double cum = 0;
        int keep = 0;
        while (keep < order.length && cum < topP) {
            cum += p[order[keep]];
            keep++;
        }
        for (int i = keep; i < order.length; i++) {
            p[order[i]] = 0;
        }
        for (int i = 0; i < keep; i++) {
            p[order[i]] /= cum;
        }
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
