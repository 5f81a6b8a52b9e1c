package dev.cpt.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.cpt.common.io.SafeTensors.Tensor;
import dev.cpt.model.engine.NativeArrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Named parameters to file tensors and from one model to another, whatever the family's names and layouts. */
public final class ParameterTensors {

    /** How one family converts a model-layout array to its file layout. */
    @FunctionalInterface
    public interface ToFile {
        Tensor convert(String name, NDArray array);
    }

    private ParameterTensors() {}

    /** Snapshot of every parameter in the file's names and layouts. */
    public static Map<String, Tensor> export(Map<String, Parameter> parameters, ToFile toFile) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            out.put(e.getKey(), toFile.convert(e.getKey(), e.getValue().getArray()));
        }
        return out;
    }

    /** A model-layout array as a file tensor of the same shape. */
    public static Tensor asIs(NDArray array) {
        return new Tensor(array.getShape().getShape(), array.toFloatArray());
    }

    /**
     * Overwrites a parameter's values without changing the Java object the blocks hold. The new storage is
     * libtorch-owned: {@code intern} drops the Java buffer a plain {@code create} would wrap, and the weights would
     * live in freed memory after the next GC.
     */
    public static void replace(NDArray target, float[] values) {
        replace(target, NativeArrays.create(target.getManager(), values, target.getShape()));
    }

    /** Swaps {@code fresh}, libtorch-owned, in as the parameter's storage, keeping the Java object the blocks hold. */
    public static void replace(NDArray target, NDArray fresh) {
        boolean grad = target.hasGradient();
        target.intern(fresh);
        if (grad) {
            target.setRequiresGradient(true);
        }
    }

    /** Gives every parameter of {@code to} a native copy of the same-named parameter of {@code from}, on its device. */
    public static void copy(Map<String, Parameter> from, Map<String, Parameter> to) {
        for (Map.Entry<String, Parameter> e : to.entrySet()) {
            NDArray target = e.getValue().getArray();
            NDArray source = from.get(e.getKey()).getArray();
            // moving to another device opens a sub-manager of the moved array's manager: a scratch one closes it
            try (NDManager scratch = source.getManager().newSubManager();
                    // detached first, so the copy is a leaf that records no history back to the source
                    NDArray detached = source.stopGradient()) {
                detached.attach(scratch);
                NDArray fresh = detached.getDevice().equals(target.getDevice())
                        ? detached.duplicate()
                        : detached.toDevice(target.getDevice(), false);
                fresh.attach(target.getManager());
                replace(target, fresh);
            }
        }
    }
}
