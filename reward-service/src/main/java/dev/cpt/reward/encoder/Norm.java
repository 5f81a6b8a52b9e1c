package dev.cpt.reward.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import java.util.Map;

/** LayerNorm over the last axis with Hugging Face names ({@code LayerNorm.weight}, {@code LayerNorm.bias}). */
final class Norm extends AbstractBlock {
    private final Shape normalized;
    private final float eps;
    private final Parameter weight;
    private final Parameter bias;

    Norm(int dim, float eps) {
        this.normalized = new Shape(dim);
        this.eps = eps;
        weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.GAMMA)
                .optShape(normalized).optInitializer(Initializer.ONES).build());
        bias = addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BETA)
                .optShape(normalized).optInitializer(Initializer.ZEROS).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.head();
        // libtorch's fused kernel, biased variance as in BERT
        return x.getNDArrayInternal().layerNorm(x, normalized, ps.getValue(weight, x.getDevice(), training),
                ps.getValue(bias, x.getDevice(), training), eps);
    }

    void collect(String prefix, Map<String, Parameter> into) {
        into.put(prefix + "weight", weight);
        into.put(prefix + "bias", bias);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
