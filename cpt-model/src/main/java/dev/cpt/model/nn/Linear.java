package dev.cpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import java.util.Map;

/**
 * {@code torch.nn.Linear}: weight [out, in] and an optional bias [out], so the forward pass is a single fused
 * {@code torch.nn.functional.linear}. GPT-2's {@code Conv1D} is the same projection stored as [in, out];
 * {@link dev.cpt.model.io.Gpt2Weights} transposes those on the way in and out.
 */
public final class Linear extends AbstractBlock {

    private final int in;
    private final int out;
    private final Parameter weight;
    private final Parameter bias;

    public Linear(int in, int out, Initializer weightInit) {
        this(in, out, weightInit, true);
    }

    public Linear(int in, int out, Initializer weightInit, boolean withBias) {
        this.in = in;
        this.out = out;
        weight = addParameter(Parameter.builder()
                .setName("weight")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(out, in))
                .optInitializer(weightInit)
                .build());
        bias = withBias
                ? addParameter(Parameter.builder()
                        .setName("bias")
                        .setType(Parameter.Type.BIAS)
                        .optShape(new Shape(out))
                        .optInitializer(Initializer.ZEROS)
                        .build())
                : null;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.head();
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        NDArray b = bias == null ? null : ps.getValue(bias, x.getDevice(), training);
        // x @ w^T + b in one addmm kernel, at the pass's precision
        return new NDList(PrecisionStore.linear(ps, x, w, b));
    }

    /** Adds {@code <prefix>weight} and, when there is one, {@code <prefix>bias}. */
    public void collectParameters(String prefix, Map<String, Parameter> into) {
        into.put(prefix + "weight", weight);
        if (bias != null) {
            into.put(prefix + "bias", bias);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {s.slice(0, s.dimension() - 1).add(out)};
    }

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
    }
}
