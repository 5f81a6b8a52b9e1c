package dev.cpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

/** LayerNorm over the last axis with parameters {@code weight} and {@code bias}, as GPT-2 and BERT name them. */
public final class LayerNormBlock extends AbstractBlock {

    private final Shape normalizedShape;
    private final float eps;
    private final Parameter weight;
    private final Parameter bias;

    public LayerNormBlock(int dim, float eps) {
        this.normalizedShape = new Shape(dim);
        this.eps = eps;
        weight = addParameter(PreNorm.gain(normalizedShape));
        bias = addParameter(Parameter.builder()
                .setName("bias")
                .setType(Parameter.Type.BETA)
                .optShape(normalizedShape)
                .optInitializer(Initializer.ZEROS)
                .build());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.head();
        NDArray g = ps.getValue(weight, x.getDevice(), training);
        NDArray b = ps.getValue(bias, x.getDevice(), training);
        // the fused libtorch kernel; it normalises with the biased variance, exactly as GPT-2
        return x.getNDArrayInternal().layerNorm(x, normalizedShape, g, b, eps);
    }

    /** Adds {@code <prefix>weight} and {@code <prefix>bias}. */
    public void collectParameters(String prefix, java.util.Map<String, Parameter> into) {
        into.put(prefix + "weight", weight);
        into.put(prefix + "bias", bias);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
