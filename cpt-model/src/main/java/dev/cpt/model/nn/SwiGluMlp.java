package dev.cpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import java.util.Map;

/** Llama's feed-forward: {@code down_proj(silu(gate_proj(x)) * up_proj(x))}, three bias-free projections. */
public final class SwiGluMlp extends AbstractBlock {

    private final Linear gateProj;
    private final Linear upProj;
    private final Linear downProj;

    SwiGluMlp(int hidden, int intermediate, Initializer init) {
        gateProj = addChildBlock("gate_proj", new Linear(hidden, intermediate, init, false));
        upProj = addChildBlock("up_proj", new Linear(hidden, intermediate, init, false));
        downProj = addChildBlock("down_proj", new Linear(intermediate, hidden, init, false));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        // the gate and the value, both at the intermediate width
        NDArray gate = gateProj.forward(ps, inputs, training).head();
        NDArray up = upProj.forward(ps, inputs, training).head();
        // silu(g) = g * sigmoid(g), composed: DJL's swish(beta) scales by a Java-buffer scalar autograd would keep
        NDArray activated = gate.mul(gate.getNDArrayInternal().sigmoid());
        // gated value back to the residual width
        return downProj.forward(ps, new NDList(activated.mul(up)), training);
    }

    void collectParameters(String prefix, Map<String, Parameter> into) {
        gateProj.collectParameters(prefix + "gate_proj.", into);
        upProj.collectParameters(prefix + "up_proj.", into);
        downProj.collectParameters(prefix + "down_proj.", into);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        gateProj.initialize(manager, dataType, inputShapes[0]);
        upProj.initialize(manager, dataType, inputShapes[0]);
        downProj.initialize(manager, dataType, gateProj.getOutputShapes(inputShapes)[0]);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
