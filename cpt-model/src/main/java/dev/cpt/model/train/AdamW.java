package dev.cpt.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.cpt.model.OptimizerSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * AdamW with decoupled weight decay, keeping its moments as long-lived tensors next to the
 * weights. The per-parameter update is libtorch's fused kernel (one JNI call per tensor), which
 * computes {@code w -= lr*wd*w; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; w -= lr_t m /
 * (sqrt(v) + eps)} with {@code lr_t = lr sqrt(1-b2^t) / (1-b1^t)}.
 */
public final class AdamW implements AutoCloseable {

    private final List<Slot> slots = new ArrayList<>();
    private long step;

    /**
     * One trained tensor; read through {@code weight} on every update, as a parameter's array may be replaced. The
     * moments are allocated on first use: a model that is only scored (an imported one, a frozen reference) would
     * otherwise hold twice its weights in zeros.
     */
    private static final class Slot {
        final String name;
        final Supplier<NDArray> weight;
        final boolean decay;
        private final NDManager manager;
        private NDArray mean;
        private NDArray variance;

        Slot(String name, Supplier<NDArray> weight, boolean decay, NDManager manager) {
            this.name = name;
            this.weight = weight;
            this.decay = decay;
            this.manager = manager;
        }

        NDArray mean() {
            allocate();
            return mean;
        }

        NDArray variance() {
            allocate();
            return variance;
        }

        private void allocate() {
            if (mean == null) {
                NDArray w = weight.get();
                mean = manager.zeros(w.getShape(), w.getDataType());
                variance = manager.zeros(w.getShape(), w.getDataType());
                // first use may fall inside a training call's NDScope; the moments outlive it
                NDScope.unregister(mean, variance);
            }
        }

        /** Takes over restored moments, which must be attached to this optimizer's manager. */
        void restore(NDArray restoredMean, NDArray restoredVariance) {
            close();
            mean = restoredMean;
            variance = restoredVariance;
            NDScope.unregister(mean, variance);
        }

        void close() {
            if (mean != null) {
                mean.close();
                variance.close();
            }
        }
    }

    /**
     * @param parameters trainable parameters by stable name
     * @param manager long-lived manager that owns the moment tensors
     */
    public AdamW(Map<String, Parameter> parameters, NDManager manager) {
        this(manager, suppliers(parameters, p -> p::getArray));
    }

    /**
     * AdamW over plain arrays that record their own gradients ({@code setRequiresGradient(true)}), for a network
     * written directly on NDArrays instead of DJL blocks.
     *
     * @param arrays trainable arrays by stable name
     * @param manager long-lived manager that owns the moment tensors
     */
    public static AdamW overArrays(Map<String, NDArray> arrays, NDManager manager) {
        return new AdamW(manager, suppliers(arrays, a -> () -> a));
    }

    private AdamW(NDManager manager, Map<String, Supplier<NDArray>> weights) {
        for (Map.Entry<String, Supplier<NDArray>> e : weights.entrySet()) {
            // biases and LayerNorm gains are vectors; decaying them only hurts
            boolean decay = e.getValue().get().getShape().dimension() >= 2;
            slots.add(new Slot(e.getKey(), e.getValue(), decay, manager));
        }
    }

    private static <T> Map<String, Supplier<NDArray>> suppliers(
            Map<String, T> tensors, Function<T, Supplier<NDArray>> read) {
        Map<String, Supplier<NDArray>> out = new LinkedHashMap<>();
        tensors.forEach((name, tensor) -> out.put(name, read.apply(tensor)));
        return out;
    }

    /** Number of applied updates so far; drives the bias correction. */
    public long step() {
        return step;
    }

    /**
     * Applies one update from the gradients currently accumulated on the parameters, then zeroes
     * them.
     *
     * @param rescale factor applied to every gradient first (global-norm clipping)
     */
    public void update(OptimizerSettings s, double rescale) {
        long t = step + 1;
        double biasCorrection1 = 1 - Math.pow(s.beta1(), t);
        double biasCorrection2 = 1 - Math.pow(s.beta2(), t);
        float lrCorrected = (float) (s.learningRate() * Math.sqrt(biasCorrection2) / biasCorrection1);
        for (Slot slot : slots) {
            NDArray w = slot.weight.get();
            try (NDArray g = w.getGradient()) {
                w.getNDArrayInternal()
                        .adamUpdate(
                                new NDList(w, g, slot.mean(), slot.variance()),
                                new NDList(w),
                                (float) s.learningRate(),
                                lrCorrected,
                                slot.decay ? (float) s.weightDecay() : 0f,
                                (float) rescale,
                                -1f, // no element-wise clipping; the global norm already did it
                                (float) s.beta1(),
                                (float) s.beta2(),
                                (float) s.eps(),
                                false,
                                true);
            }
        }
        step = t;
    }

    /** Drops accumulated gradients without touching weights or moments (used for skipped steps). */
    public void zeroGradients() {
        for (Slot slot : slots) {
            JniUtils.zeroGrad((PtNDArray) slot.weight.get());
        }
    }

    /** Moments by name: {@code <name>.exp_avg} and {@code <name>.exp_avg_sq}, plus the step. */
    public Map<String, NDArray> stateTensors() {
        Map<String, NDArray> state = new LinkedHashMap<>();
        for (Slot slot : slots) {
            state.put(slot.name + ".exp_avg", slot.mean());
            state.put(slot.name + ".exp_avg_sq", slot.variance());
        }
        return state;
    }

    /** Names of the tensors the state holds, in order. */
    public List<String> parameterNames() {
        return slots.stream().map(slot -> slot.name).toList();
    }

    /**
     * Replaces moments and step (after a checkpoint load) with {@code moments}, named as {@link #stateTensors} names
     * them, shaped like their weights and attached to this optimizer's manager; the optimizer takes them over.
     */
    public void restore(long restoredStep, Map<String, NDArray> moments) {
        for (Slot slot : slots) {
            Shape shape = slot.weight.get().getShape();
            slot.restore(
                    checked(moments, slot.name + ".exp_avg", shape),
                    checked(moments, slot.name + ".exp_avg_sq", shape));
        }
        step = restoredStep;
    }

    private static NDArray checked(Map<String, NDArray> moments, String name, Shape shape) {
        NDArray moment = moments.get(name);
        if (moment == null) {
            throw new IllegalArgumentException("optimizer state has no tensor " + name);
        }
        if (!moment.getShape().equals(shape)) {
            throw new IllegalArgumentException(
                    "optimizer tensor " + name + " has shape " + moment.getShape() + ", expected " + shape);
        }
        return moment;
    }

    @Override
    public void close() {
        for (Slot slot : slots) {
            slot.close();
        }
    }
}
