package dev.cpt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cpt.model.engine.NativeArrays;
import java.util.Arrays;
import java.util.Random;

/**
 * Picks the next token according to {@link SamplingSettings}: from one row of logits copied to Java ({@link
 * #sample(float[], SamplingSettings, Random)}), or from a batch of rows where they are, in native memory ({@link
 * #sample(NDArray, SamplingSettings, double[])}), so only the picks come back. Both draw the same way: temperature,
 * then top-k, then top-p over the renormalised probabilities, then the first token (in vocabulary order) whose
 * cumulative probability exceeds a uniform draw.
 */
final class Sampler {

    private Sampler() {}

    /**
     * The tokens picked from a batch of rows and their log-probabilities under the temperature-scaled softmax
     * (temperature 1 when greedy), before any top-k or top-p truncation.
     */
    record Picks(int[] tokens, float[] logProbs) {}

    /**
     * Picks one token per row of {@code logits} [B, V] in native memory, row r drawing with {@code uniforms[r]} in
     * [0, 1) (ignored when greedy), so that only B tokens and B log-probabilities are copied to Java instead of B x V
     * logits. The arithmetic runs in float64, as the Java sampler's does. Where several tokens tie at the top-p
     * boundary, all of them are kept, where the Java sampler keeps the lower ids first.
     */
    static Picks sample(NDArray logits, SamplingSettings s, double[] uniforms) {
        NDManager m = logits.getManager();
        NDArray x = logits.toType(DataType.FLOAT64, false);
        long rows = x.getShape().get(0);
        int v = (int) x.getShape().get(1);
        if (s.temperature() <= 0) {
            NDArray tokens = x.argMax(1).expandDims(1);
            return picks(tokens, x.logSoftmax(1));
        }
        // temperature: a libtorch-owned divisor (see NativeArrays), in float64 like the logits
        NDArray scaled = x.div(m.full(new Shape(), (float) s.temperature(), DataType.FLOAT64));
        NDArray logProbs = scaled.logSoftmax(1);
        NDArray p = scaled.softmax(1);
        if (s.topK() > 0 && s.topK() < v) {
            // the k-th largest scaled logit of each row [B, 1]: tokens below it lose their mass (ties with it keep it),
            // and the rest are renormalised, which is the softmax of the truncated logits
            NDArray kth = scaled.topK(s.topK(), 1, true, false).get(0).min(new int[] {1}, true);
            p = renormalised(p.mul(scaled.gte(kth).toType(DataType.FLOAT64, false)));
        }
        if (s.topP() < 1.0) {
            // the nucleus: most likely first, keep while the mass before a token is below topP (at least one)
            NDArray sorted = p.sort(1).flip(1);
            NDArray before = sorted.cumSum(1).sub(sorted);
            NDArray keep = before.lt(s.topP()).sum(new int[] {1}, true);
            // the smallest kept probability of each row [B, 1]
            NDArray floor = sorted.gather(keep.sub(1), 1);
            p = renormalised(p.mul(p.gte(floor).toType(DataType.FLOAT64, false)));
        }
        // inverse transform: the first token whose cumulative probability exceeds u, i.e. how many do not
        NDArray cumulative = p.cumSum(1);
        NDArray u = NativeArrays.owned(m.create(uniforms, new Shape(rows, 1)));
        NDArray tokens = cumulative.lte(u).sum(new int[] {1}, true);
        long[] picked = tokens.toLongArray();
        for (int r = 0; r < rows; r++) {
            if (picked[r] >= v) {
                // rounding left u at or above the total mass: the last token with mass, as the Java sampler does
                float[] row = p.get(r).toType(DataType.FLOAT32, false).toFloatArray();
                int last = v - 1;
                while (last > 0 && row[last] == 0) {
                    last--;
                }
                picked[r] = last;
            }
        }
        return picks(NativeArrays.create(m, picked, new Shape(rows, 1)), logProbs);
    }

    private static NDArray renormalised(NDArray p) {
        return p.div(p.sum(new int[] {1}, true));
    }

    private static Picks picks(NDArray tokens, NDArray logProbs) {
        long[] ids = tokens.toLongArray();
        float[] lp = logProbs.gather(tokens, 1).toType(DataType.FLOAT32, false).toFloatArray();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return new Picks(out, lp);
    }

    /**
     * log softmax(logits / temperature)[token] in double, temperature 1 when greedy: the log-probability {@link
     * #sample(NDArray, SamplingSettings, double[])} reports, for logits copied to Java.
     */
    static float logProb(float[] logits, int token, double temperature) {
        double t = temperature > 0 ? temperature : 1.0;
        double max = Double.NEGATIVE_INFINITY;
        for (float x : logits) {
            max = Math.max(max, x / t);
        }
        double sum = 0;
        for (float x : logits) {
            sum += Math.exp(x / t - max);
        }
        return (float) (logits[token] / t - max - Math.log(sum));
    }

    static int sample(float[] logits, SamplingSettings s, Random rng) {
        return sample(logits, s, s.temperature() <= 0 ? 0 : rng.nextDouble());
    }

    /** As {@link #sample(float[], SamplingSettings, Random)} with the uniform draw {@code u} in [0, 1) given. */
    static int sample(float[] logits, SamplingSettings s, double u) {
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
