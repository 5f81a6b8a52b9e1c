package dev.cpt.model.train;

import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import java.util.Collection;

/** Global-norm gradient clipping for any set of DJL parameters: the norm and the factor that clips it. */
public final class GradientNorm {

    /** Added to the norm before dividing, so a norm just above the limit never blows the factor up. */
    private static final double EPSILON = 1e-6;

    private GradientNorm() {}

    /** Global L2 norm over the gradients of all {@code parameters}, with one device-to-host sync. */
    public static double of(Collection<Parameter> parameters) {
        NDList squares = new NDList(parameters.size());
        for (Parameter p : parameters) {
            squares.add(p.getArray().getGradient().square().sum());
        }
        return NDArrays.stack(squares).sum().sqrt().getFloat();
    }

    /**
     * The factor every gradient is multiplied by so that their global norm is at most {@code maxNorm}: 1 when the
     * norm is within it or {@code maxNorm <= 0} (clipping disabled).
     */
    public static double clipFactor(double norm, double maxNorm) {
        return maxNorm > 0 && norm > maxNorm ? maxNorm / (norm + EPSILON) : 1.0;
    }
}
