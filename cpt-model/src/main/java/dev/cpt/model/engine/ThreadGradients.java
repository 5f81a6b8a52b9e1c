package dev.cpt.model.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;

/**
 * Records gradients on the calling thread only, so that several models can run their backward passes at once (one
 * data-parallel replica per thread). DJL's own collector guards one process-wide flag and refuses a second one while
 * the first is open; libtorch itself keeps grad mode per thread and runs independent graphs' backward passes
 * concurrently, which is all this needs.
 */
public final class ThreadGradients implements GradientCollector {

    private final boolean previous;

    public ThreadGradients() {
        previous = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
    }

    /** Back-propagates {@code target} (a scalar loss) into the gradients of the leaves it was computed from. */
    @Override
    public void backward(NDArray target) {
        try (NDArray seed = target.onesLike()) {
            JniUtils.backward((PtNDArray) target, (PtNDArray) seed, false, false);
        }
    }

    /** Not offered: each optimizer zeroes the gradients of the parameters it owns. */
    @Override
    public void zeroGradients() {
        throw new UnsupportedOperationException("zero a model's gradients through its optimizer");
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
