package dev.cpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import dev.cpt.model.engine.NativeArrays;

/** GPT-2 feed-forward: {@code c_fc} (C -> 4C), GELU with the tanh approximation, {@code c_proj}. */
public final class Mlp extends AbstractBlock {

    /** 2 * sqrt(2 / pi): 0.5 * (1 + tanh(z)) == sigmoid(2z), which folds the 0.5 and the 1 away. */
    private static final float TWO_SQRT_2_OVER_PI = (float) (2.0 * Math.sqrt(2.0 / Math.PI));

    private static final float CUBIC = 0.044715f;

    /**
     * Whether to use the fused kernel. Only tests flip this, to check both paths agree; the
     * composed form is mathematically identical.
     */
    private static volatile boolean fused = !Boolean.getBoolean("cpt.model.composedGelu");

    private final Linear cFc;
    private final Linear cProj;

    Mlp(int embedDim, int hidden, Initializer init, Initializer residualInit) {
        cFc = addChildBlock("c_fc", new Linear(embedDim, hidden, init));
        cProj = addChildBlock("c_proj", new Linear(hidden, embedDim, residualInit));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        // expand to the hidden width [B, T, 4C]
        NDArray h = cFc.forward(ps, inputs, training).head();
        // GPT-2's "gelu_new" nonlinearity, fused when the TorchScript kernel is available
        NDArray a = fused ? FusedGelu.apply(h, training) : null;
        if (a == null) {
            a = geluTanh(h);
        }
        // contract back to the residual width [B, T, C]
        return cProj.forward(ps, new NDList(a), training);
    }

    /** Test hook: {@code false} forces the composed element-wise GELU. Returns the old value. */
    public static boolean useFusedGelu(boolean enable) {
        boolean old = fused;
        fused = enable;
        return old;
    }

    /** Whether the fused tanh-GELU kernel loaded (it is used unless disabled). */
    public static boolean fusedGeluAvailable() {
        return FusedGelu.available();
    }

    void collectParameters(String prefix, java.util.Map<String, ai.djl.nn.Parameter> into) {
        cFc.collectParameters(prefix + "c_fc.", into);
        cProj.collectParameters(prefix + "c_proj.", into);
    }

    /**
     * GELU, tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), computed as x *
     * sigmoid(2 sqrt(2/pi) x (1 + 0.044715 x^2)), which is the same function in fewer kernels.
     */
    static NDArray geluTanh(NDArray x) {
        // in-place steps only touch fresh temporaries whose values autograd does not keep
        // (square and scalar-multiply backward need x and the factor, not their outputs), saving
        // two allocations. The factor is libtorch-owned because MulBackward saves it (see
        // NativeArrays for why DJL's muli(float) is unsafe under autograd).
        NDManager m = x.getManager();
        NDArray poly = x.square()
                .muli(NativeArrays.scalar(m, CUBIC * TWO_SQRT_2_OVER_PI))
                .addi(NativeArrays.scalar(m, TWO_SQRT_2_OVER_PI));
        NDArray inner = poly.mul(x);
        return x.mul(inner.getNDArrayInternal().sigmoid());
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        cFc.initialize(manager, dataType, inputShapes[0]);
        cProj.initialize(manager, dataType, cFc.getOutputShapes(inputShapes)[0]);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
