package dev.cpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;

/** What pre-norm decoder blocks share: the residual sublayer step, the norm gain, and the shapes of their streams. */
final class PreNorm {

    private PreNorm() {}

    /**
     * x + sublayer(norm(x), extra...): the sublayer reads the normalised stream (and any further inputs, such as the
     * mask) and its output is added to the untouched stream, so the residual path stays an identity.
     */
    static NDArray residual(ParameterStore ps, NDArray x, Block norm, Block sublayer, NDList extra, boolean training) {
        NDList in = new NDList(norm.forward(ps, new NDList(x), training).head());
        in.addAll(extra);
        return x.add(sublayer.forward(ps, in, training).head());
    }

    /** A norm's per-channel gain {@code weight}, starting at one. */
    static Parameter gain(Shape shape) {
        return Parameter.builder()
                .setName("weight")
                .setType(Parameter.Type.GAMMA)
                .optShape(shape)
                .optInitializer(Initializer.ONES)
                .build();
    }

    /** [B, T, width] for token ids [B, T]: the residual stream, or the logits at the vocabulary width. */
    static Shape perToken(Shape ids, int width) {
        return new Shape(ids.get(0), ids.get(1), width);
    }
}
