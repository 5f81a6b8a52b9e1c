package dev.cpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.cpt.model.engine.NativeArrays;
import java.util.Map;

/** Llama's RMSNorm over the last axis: x / sqrt(mean(x^2) + eps) * weight, without centring and without a bias. */
public final class RmsNorm extends AbstractBlock {

    private final float eps;
    private final Parameter weight;

    public RmsNorm(int dim, float eps) {
        this.eps = eps;
        weight = addParameter(PreNorm.gain(new Shape(dim)));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.head();
        int last = x.getShape().dimension() - 1;
        // mean square per position [.., 1]
        NDArray meanSquare = x.square().mean(new int[] {last}, true);
        // the root, with eps inside it as Hugging Face adds it (a libtorch-owned scalar: see NativeArrays)
        NDArray rms = meanSquare.add(NativeArrays.scalar(x.getManager(), eps)).sqrt();
        // normalise, then the learned per-channel gain
        return new NDList(x.div(rms).mul(ps.getValue(weight, x.getDevice(), training)));
    }

    /** Adds {@code <prefix>weight}. */
    public void collectParameters(String prefix, Map<String, Parameter> into) {
        into.put(prefix + "weight", weight);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
