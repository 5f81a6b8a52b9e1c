package dev.cpt.mixing.agent;

import dev.cpt.common.io.SafeTensors.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The agent's policy network: standardised features -> tanh hidden layer -> one logit per slot (the mean of a
 * Gaussian over slot logits; the weights are the softmax of the logits over the slots that have data). This is the
 * plain-Java forward pass the mixer runs; {@code AgentTrainer} (cpt-mixing-lab) trains the same layout on DJL and the two are checked
 * against each other in the tests.
 *
 * @param w1 [hidden][features]
 * @param b1 [hidden]
 * @param w2 [slots][hidden]
 * @param b2 [slots]
 * @param logStd [slots] exploration noise of the Gaussian (training only)
 * @param featureMean [features] standardisation, from the training data
 * @param featureStd [features]
 */
public record PolicyNet(
        float[][] w1, float[] b1, float[][] w2, float[] b2, float[] logStd, float[] featureMean, float[] featureStd) {

    public PolicyNet {
        int h = b1.length;
        int f = featureMean.length;
        if (w1.length != h
                || w2.length != Features.SLOTS
                || b2.length != Features.SLOTS
                || logStd.length != Features.SLOTS
                || featureStd.length != f) {
            throw new IllegalArgumentException("policy network tensors have inconsistent shapes");
        }
        for (float[] row : w1) {
            if (row.length != f) {
                throw new IllegalArgumentException("w1 rows must have " + f + " columns");
            }
        }
        for (float[] row : w2) {
            if (row.length != h) {
                throw new IllegalArgumentException("w2 rows must have " + h + " columns");
            }
        }
    }

    public int features() {
        return featureMean.length;
    }

    public int hidden() {
        return b1.length;
    }

    /** The mean slot logits for one feature vector. */
    public double[] logits(double[] features) {
        if (features.length != features()) {
            throw new IllegalArgumentException("expected " + features() + " features, got " + features.length);
        }
        double[] x = new double[features.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (features[i] - featureMean[i]) / featureStd[i];
        }
        double[] h = new double[hidden()];
        for (int j = 0; j < h.length; j++) {
            double a = b1[j];
            for (int i = 0; i < x.length; i++) {
                a += w1[j][i] * x[i];
            }
            h[j] = Math.tanh(a);
        }
        double[] out = new double[Features.SLOTS];
        for (int s = 0; s < out.length; s++) {
            double a = b2[s];
            for (int j = 0; j < h.length; j++) {
                a += w2[s][j] * h[j];
            }
            out[s] = a;
        }
        return out;
    }

    /** Tensors in safetensors naming. */
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("w1", matrix(w1));
        t.put("b1", vector(b1));
        t.put("w2", matrix(w2));
        t.put("b2", vector(b2));
        t.put("log_std", vector(logStd));
        t.put("feature_mean", vector(featureMean));
        t.put("feature_std", vector(featureStd));
        return t;
    }

    public static PolicyNet fromTensors(Map<String, Tensor> t) {
        for (String name : new String[] {"w1", "b1", "w2", "b2", "log_std", "feature_mean", "feature_std"}) {
            if (!t.containsKey(name)) {
                throw new IllegalArgumentException("agent weights lack tensor " + name);
            }
        }
        return new PolicyNet(
                rows(t.get("w1")),
                t.get("b1").data(),
                rows(t.get("w2")),
                t.get("b2").data(),
                t.get("log_std").data(),
                t.get("feature_mean").data(),
                t.get("feature_std").data());
    }

    static Tensor matrix(float[][] m) {
        int cols = m.length == 0 ? 0 : m[0].length;
        float[] flat = new float[m.length * cols];
        for (int r = 0; r < m.length; r++) {
            System.arraycopy(m[r], 0, flat, r * cols, cols);
        }
        return new Tensor(new long[] {m.length, cols}, flat);
    }

    static Tensor vector(float[] v) {
        return new Tensor(new long[] {v.length}, v.clone());
    }

    static float[][] rows(Tensor t) {
        if (t.shape().length != 2) {
            throw new IllegalArgumentException("expected a matrix, got shape of rank " + t.shape().length);
        }
        int r = (int) t.shape()[0];
        int c = (int) t.shape()[1];
        float[][] m = new float[r][c];
        for (int i = 0; i < r; i++) {
            System.arraycopy(t.data(), i * c, m[i], 0, c);
        }
        return m;
    }
}
