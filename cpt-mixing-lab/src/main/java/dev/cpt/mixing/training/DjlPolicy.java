package dev.cpt.mixing.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cpt.mixing.agent.Features;
import dev.cpt.mixing.agent.PolicyNet;
import dev.cpt.model.engine.NativeArrays;
import dev.cpt.model.engine.OfflineEngine;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@link PolicyNet}'s forward pass on DJL, where training can differentiate it. */
public final class DjlPolicy {
    private DjlPolicy() {}

    /** The network's weights as arrays, in forward order: w1, b1, w2, b2. */
    static Map<String, NDArray> weights(NDManager manager, PolicyNet net) {
        int f = net.features();
        Map<String, NDArray> p = new LinkedHashMap<>();
        p.put("w1", NativeArrays.create(manager, flat(net.w1()), new Shape(net.hidden(), f)));
        p.put("b1", NativeArrays.create(manager, net.b1(), new Shape(net.hidden())));
        p.put("w2", NativeArrays.create(manager, flat(net.w2()), new Shape(Features.SLOTS, net.hidden())));
        p.put("b2", NativeArrays.create(manager, net.b2(), new Shape(Features.SLOTS)));
        return p;
    }

    /** {@code net} with the weights {@code p} (w1, b1, w2, b2) in place of its own. */
    static PolicyNet withWeights(PolicyNet net, List<NDArray> p) {
        return new PolicyNet(
                rows(p.get(0)),
                p.get(1).toFloatArray(),
                rows(p.get(2)),
                p.get(3).toFloatArray(),
                net.logStd(),
                net.featureMean(),
                net.featureStd());
    }

    /** The mean logits for a batch of standardised features [n, f] -> [n, slots]. */
    static NDArray mean(List<NDArray> p, NDArray xs) {
        NDArray hidden = xs.matMul(p.get(0).transpose()).add(p.get(1)).tanh();
        return hidden.matMul(p.get(2).transpose()).add(p.get(3));
    }

    /** Raw features standardised with the network's mean and spread, row-major [n * f]. */
    static float[] standardised(PolicyNet net, double[][] features) {
        int f = net.features();
        float[] x = new float[features.length * f];
        for (int r = 0; r < features.length; r++) {
            for (int i = 0; i < f; i++) {
                x[r * f + i] = (float) ((features[r][i] - net.featureMean()[i]) / net.featureStd()[i]);
            }
        }
        return x;
    }

    /** The network's mean logits on raw features, for checking the plain-Java forward against it. */
    public static double[][] logits(PolicyNet net, double[][] features) {
        int n = features.length;
        try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad();
                NDManager manager = OfflineEngine.get().newBaseManager()) {
            List<NDArray> p = List.copyOf(weights(manager, net).values());
            NDArray xs = NativeArrays.create(manager, standardised(net, features), new Shape(n, net.features()));
            float[] out = mean(p, xs).toFloatArray();
            double[][] result = new double[n][Features.SLOTS];
            for (int r = 0; r < n; r++) {
                for (int s = 0; s < Features.SLOTS; s++) {
                    result[r][s] = out[r * Features.SLOTS + s];
                }
            }
            return result;
        }
    }

    private static float[] flat(float[][] m) {
        int cols = m[0].length;
        float[] out = new float[m.length * cols];
        for (int r = 0; r < m.length; r++) {
            System.arraycopy(m[r], 0, out, r * cols, cols);
        }
        return out;
    }

    private static float[][] rows(NDArray a) {
        int r = (int) a.getShape().get(0);
        int c = (int) a.getShape().get(1);
        float[] data = a.toFloatArray();
        float[][] out = new float[r][c];
        for (int i = 0; i < r; i++) {
            System.arraycopy(data, i * c, out[i], 0, c);
        }
        return out;
    }
}
