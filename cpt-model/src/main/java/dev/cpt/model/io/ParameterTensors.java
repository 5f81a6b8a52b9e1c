package dev.cpt.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.cpt.common.io.SafeTensors.Tensor;
import dev.cpt.model.engine.NativeArrays;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Copies named parameters to and from file tensors, whatever the family's names and layouts. */
public final class ParameterTensors {

    /** How one family converts a model-layout array to its file layout. */
    @FunctionalInterface
    public interface ToFile {
        Tensor convert(String name, NDArray array);
    }

    /** How one family converts a file tensor to the model layout of a parameter, checking its shape. */
    @FunctionalInterface
    public interface FromFile {
        float[] convert(String name, Tensor tensor, Shape shape);
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

    /**
     * Loads file tensors, already stripped of anything that is not a parameter, into the parameters in place; every
     * parameter must be present and no tensor may be left over.
     */
    public static void load(Map<String, Parameter> parameters, Map<String, Tensor> tensors, FromFile fromFile) {
        Map<String, Tensor> remaining = new LinkedHashMap<>(tensors);
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            Tensor t = remaining.remove(e.getKey());
            if (t == null) {
                throw new IllegalArgumentException("missing tensor " + e.getKey());
            }
            NDArray target = e.getValue().getArray();
            replace(target, fromFile.convert(e.getKey(), t, target.getShape()));
        }
        if (!remaining.isEmpty()) {
            throw new IllegalArgumentException("unexpected tensors: " + remaining.keySet());
        }
    }

    /** A model-layout array as a file tensor of the same shape. */
    public static Tensor asIs(NDArray array) {
        return new Tensor(array.getShape().getShape(), array.toFloatArray());
    }

    /** A file tensor's values when its shape equals {@code expected}. */
    public static float[] checked(String name, Tensor tensor, Shape expected) {
        requireShape(name, tensor, expected.getShape());
        return tensor.data();
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

    /** Gives every parameter of {@code to} a native copy of the same-named parameter of {@code from}. */
    public static void copy(Map<String, Parameter> from, Map<String, Parameter> to) {
        for (Map.Entry<String, Parameter> e : to.entrySet()) {
            NDArray target = e.getValue().getArray();
            // detached first, so the copy is a leaf that records no history back to the source
            try (NDArray source = from.get(e.getKey()).getArray().stopGradient()) {
                NDArray fresh = source.duplicate();
                fresh.attach(target.getManager());
                replace(target, fresh);
            }
        }
    }

    static void requireShape(String name, Tensor t, long[] want) {
        if (!Arrays.equals(t.shape(), want)) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(want));
        }
    }
}
