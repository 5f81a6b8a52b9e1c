package dev.cpt.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.cpt.common.io.Dtype;
import dev.cpt.common.io.SafeTensorsFile;
import dev.cpt.common.io.SafeTensorsShards;
import dev.cpt.common.io.SafeTensorsWriter;
import dev.cpt.common.io.TensorEntry;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Moves weights between safetensors files and a model's parameters without Java float arrays. On import each tensor
 * is staged, in runs of whole rows along its first dimension of at most {@link #CHUNK_BYTES}, through one reusable
 * direct buffer into a float32 array that libtorch allocated at the tensor's full size, which is then swapped into its
 * parameter; nothing is swapped before the whole file has been checked against the parameters. On export each
 * parameter is converted and written as it goes, in runs of rows of the same size. So no tensor meets a {@code
 * ByteBuffer}'s or DJL's 2 GiB limit whole, and an import's peak is the weights plus one run.
 *
 * <p>F32 and F16 go to and from libtorch as stored. BF16 never reaches libtorch: DJL 0.35.1 aborts the JVM on any
 * bfloat16 tensor (creating one from a buffer, or {@code toType(BFLOAT16)}), so bf16 is widened to float32 in the
 * staging buffer on import (exact: a bf16 value is the top half of its float32) and rounded to nearest even on export,
 * as {@code c10::BFloat16} rounds.
 */
public final class NativeWeights {

    /** The dtype imported weights are held in, whatever the file stores: training and AdamW's fused kernel are float32. */
    public static final DataType HELD = DataType.FLOAT32;

    /**
     * The most bytes of a tensor staged on import (as stored; bf16 as the float32 it is widened to) or taken from a
     * parameter on export (float32) at a time: 64 MiB keeps the staging small beside any real model while each run is
     * still one large copy.
     */
    static final long CHUNK_BYTES = 64L << 20;

    /** A staging buffer's limit: it is one {@code ByteBuffer}, and DJL counts a tensor's elements in an int. */
    private static final long MAX_STAGING_BYTES = Integer.MAX_VALUE - 8;

    private static final int BF16_CHUNK = 1 << 20;

    /**
     * Each exporting thread's bf16 output chunk, reused for every tensor: one per tensor would leave a model's worth of
     * 1 MiB buffers for the GC (270 MB for SmolLM2-135M's 272 tensors), which shows in the export's peak RSS.
     */
    private static final ThreadLocal<ByteBuffer> BF16_OUT =
            ThreadLocal.withInitial(() -> ByteBuffer.allocate(BF16_CHUNK).order(ByteOrder.LITTLE_ENDIAN));

    private NativeWeights() {}

    /** One parameter's source in the file. */
    private record Load(String parameter, String tensor, boolean transposed) {}

    /**
     * Checks every tensor of {@code file} against {@code parameters} (all present, none unexpected, shapes in the file
     * layout), then replaces each parameter's array with its tensor; a tied copy must equal its parameter. Errors name
     * the file at fault; on an error the parameters may be partly replaced, so the caller closes the model.
     */
    public static void load(
            Map<String, Parameter> parameters,
            SafeTensorsShards file,
            FileBinding binding,
            Predicate<String> transposedOnDisk)
            throws IOException {
        List<Load> loads = plan(parameters, file, binding, transposedOnDisk);
        List<TensorEntry> read = new ArrayList<>();
        loads.forEach(l -> read.add(file.tensors().get(l.tensor())));
        binding.mustEqual().keySet().forEach(copy -> read.add(file.tensors().get(copy)));
        ByteBuffer staging = staging(read, CHUNK_BYTES);
        try {
            for (Load l : loads) {
                NDArray target = parameters.get(l.parameter()).getArray();
                ParameterTensors.replace(target, read(file, l.tensor(), l.transposed(), staging, target.getManager()));
            }
            for (Map.Entry<String, String> copy : binding.mustEqual().entrySet()) {
                NDArray param = parameters.get(copy.getValue()).getArray();
                try (NDArray stored = read(file, copy.getKey(), false, staging, param.getManager())) {
                    if (!stored.contentEquals(param)) {
                        throw new IOException(file.fileOf(copy.getKey()) + ": " + copy.getKey() + " differs from "
                                + copy.getValue() + ", to which this model ties it");
                    }
                }
            }
        } finally {
            free(staging);
        }
    }

    private static List<Load> plan(
            Map<String, Parameter> parameters,
            SafeTensorsShards file,
            FileBinding binding,
            Predicate<String> transposedOnDisk)
            throws IOException {
        Map<String, String> sourceOf = new LinkedHashMap<>();
        List<String> unexpected = new ArrayList<>();
        for (Map.Entry<String, String> e : binding.parameterOf().entrySet()) {
            if (!parameters.containsKey(e.getValue())) {
                unexpected.add(e.getKey());
            } else if (sourceOf.put(e.getValue(), e.getKey()) != null) {
                throw new IOException(file.source() + ": parameter " + e.getValue() + " is stored twice, as "
                        + sourceOf.get(e.getValue()) + " and " + e.getKey());
            }
        }
        if (!unexpected.isEmpty()) {
            throw new IOException(file.source() + ": unexpected tensors: " + unexpected);
        }
        List<Load> loads = new ArrayList<>();
        for (Map.Entry<String, Parameter> p : parameters.entrySet()) {
            String tensor = sourceOf.get(p.getKey());
            if (tensor == null) {
                throw new IOException(file.source() + ": missing tensor " + p.getKey());
            }
            boolean transposed = transposedOnDisk.test(p.getKey());
            checkShape(
                    file.fileOf(tensor),
                    file.tensors().get(tensor),
                    fileShape(p.getValue().getArray(), transposed));
            loads.add(new Load(p.getKey(), tensor, transposed));
        }
        for (Map.Entry<String, String> copy : binding.mustEqual().entrySet()) {
            Parameter p = parameters.get(copy.getValue());
            if (p == null) {
                throw new IOException(file.source() + ": " + copy.getKey() + " is tied to " + copy.getValue()
                        + ", which this model does not have");
            }
            checkShape(
                    file.fileOf(copy.getKey()),
                    file.tensors().get(copy.getKey()),
                    fileShape(p.getArray(), transposedOnDisk.test(copy.getValue())));
        }
        return loads;
    }

    private static long[] fileShape(NDArray array, boolean transposed) {
        long[] shape = array.getShape().getShape();
        return transposed ? new long[] {shape[1], shape[0]} : shape;
    }

    private static void checkShape(Path file, TensorEntry e, long[] expected) throws IOException {
        if (!Arrays.equals(e.shape(), expected)) {
            throw new IOException(file + ": tensor " + e.name() + " has shape " + Arrays.toString(e.shape())
                    + ", expected " + Arrays.toString(expected));
        }
        // a tensor is staged a whole number of rows at a time: one row must fit the staging buffer
        if (rowStagingBytes(e) > MAX_STAGING_BYTES) {
            throw new IOException(file + ": tensor " + e.name() + " " + Arrays.toString(e.shape()) + " has rows of "
                    + rowStagingBytes(e) + " bytes as staged; rows over 2 GiB are not supported");
        }
    }

    /** Bytes per element in the staging buffer: as stored, or as float32 for bf16, which is widened in it. */
    private static int stagingElementBytes(TensorEntry e) {
        return e.dtype() == Dtype.BF16 ? Float.BYTES : e.dtype().bytes();
    }

    /** Elements of one row along the first dimension (the whole tensor for a scalar, which has no rows). */
    private static long rowElements(long[] shape) {
        long n = 1;
        for (int d = 1; d < shape.length; d++) {
            n *= shape[d];
        }
        return n;
    }

    private static long rowStagingBytes(TensorEntry e) {
        return rowElements(e.shape()) * stagingElementBytes(e);
    }

    /** Rows staged at a time: as many as {@code chunkBytes} holds, at least one, at most the tensor's. */
    private static long rowsPerChunk(TensorEntry e, long chunkBytes) {
        long rows = e.shape().length == 0 ? 1 : e.shape()[0];
        long perChunk = Math.max(1, chunkBytes / Math.max(1, rowStagingBytes(e)));
        return Math.max(1, Math.min(rows, perChunk));
    }

    /** One staging buffer for the largest run of rows of any of {@code entries} (each checked to fit first). */
    static ByteBuffer staging(Collection<TensorEntry> entries, long chunkBytes) {
        long largest = entries.stream()
                .mapToLong(e -> rowsPerChunk(e, chunkBytes) * rowStagingBytes(e))
                .max()
                .orElse(0);
        return ByteBuffer.allocateDirect((int) largest).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static NDArray read(
            SafeTensorsShards file, String tensor, boolean transposed, ByteBuffer staging, NDManager manager)
            throws IOException {
        return read(file.fileHolding(tensor), file.tensors().get(tensor), transposed, staging, manager, CHUNK_BYTES);
    }

    /**
     * A float32, libtorch-owned, model-layout copy of one stored tensor, staged {@code chunkBytes} at a time through
     * {@code staging}, which must hold that much: the whole array is allocated first and each run of rows copied into
     * its slice, so the copy does not depend on the run length.
     */
    static NDArray read(
            SafeTensorsFile file,
            TensorEntry e,
            boolean transposed,
            ByteBuffer staging,
            NDManager manager,
            long chunkBytes)
            throws IOException {
        long[] shape = e.shape();
        if (shape.length == 0) {
            try (NDArray scalar = staged(file, e, 0, 1, new Shape(), staging, manager)) {
                return scalar.duplicate();
            }
        }
        long[] modelShape = transposed ? new long[] {shape[1], shape[0]} : shape;
        NDArray full = manager.create(new Shape(modelShape), HELD);
        try {
            long rows = shape[0];
            long step = rowsPerChunk(e, chunkBytes);
            for (long r = 0; r < rows; r += step) {
                long n = Math.min(step, rows - r);
                long[] runShape = shape.clone();
                runShape[0] = n;
                try (NDArray run = staged(file, e, r, n, new Shape(runShape), staging, manager)) {
                    if (transposed) {
                        // stored rows r..r+n are the model layout's columns r..r+n
                        try (NDArray columns = run.transpose()) {
                            full.set(new NDIndex().addAllDim().addSliceDim(r, r + n), columns);
                        }
                    } else {
                        full.set(new NDIndex().addSliceDim(r, r + n), run);
                    }
                }
            }
            return full;
        } catch (IOException | RuntimeException ex) {
            full.close();
            throw ex;
        }
    }

    /**
     * Rows {@code [row, row + rows)} of {@code e} as float32 of shape {@code shape}: for F32 and BF16 (widened in place)
     * an array over {@code staging} itself, valid only until the buffer is reused, so the caller copies it out and
     * closes it first; for F16 a converted copy.
     */
    private static NDArray staged(
            SafeTensorsFile file,
            TensorEntry e,
            long row,
            long rows,
            Shape shape,
            ByteBuffer staging,
            NDManager manager)
            throws IOException {
        long perRow = rowElements(e.shape());
        long first = row * perRow;
        long n = rows * perRow;
        staging.clear();
        if (e.dtype() == Dtype.BF16) {
            // the stored halves fill the buffer's upper half and are widened from the front: write 4i never passes
            // read 2n + 2i
            staging.position((int) (2 * n));
            file.read(e, 2 * first, 2 * n, staging);
            for (int i = 0; i < n; i++) {
                staging.putInt(4 * i, (staging.getShort((int) (2 * n) + 2 * i) & 0xFFFF) << 16);
            }
            staging.position(0).limit((int) (4 * n));
            return manager.create(staging, shape, HELD);
        }
        file.read(e, first * e.dtype().bytes(), n * e.dtype().bytes(), staging);
        if (e.dtype() == Dtype.F16) {
            try (NDArray half = manager.create(staging, shape, DataType.FLOAT16)) {
                return half.toType(HELD, true);
            }
        }
        return manager.create(staging, shape, HELD);
    }

    /**
     * Reads every tensor of {@code file} as float32 in the model layout of the parameter {@code parameterOf} names for
     * it, after checking every shape against that parameter; the arrays returned are attached to {@code manager}.
     */
    public static Map<String, NDArray> readAll(
            SafeTensorsFile file,
            Map<String, Parameter> parameters,
            UnaryOperator<String> parameterOf,
            Predicate<String> transposedOnDisk,
            NDManager manager)
            throws IOException {
        for (TensorEntry e : file.tensors().values()) {
            Parameter p = parameters.get(parameterOf.apply(e.name()));
            if (p == null) {
                throw new IOException(file.path() + ": tensor " + e.name() + " belongs to no parameter of this model");
            }
            checkShape(file.path(), e, fileShape(p.getArray(), transposedOnDisk.test(parameterOf.apply(e.name()))));
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        ByteBuffer staging = staging(file.tensors().values(), CHUNK_BYTES);
        try {
            for (TensorEntry e : file.tensors().values()) {
                boolean transposed = transposedOnDisk.test(parameterOf.apply(e.name()));
                out.put(e.name(), read(file, e, transposed, staging, manager, CHUNK_BYTES));
            }
            return out;
        } catch (IOException | RuntimeException ex) {
            out.values().forEach(NDArray::close);
            throw ex;
        } finally {
            free(staging);
        }
    }

    /** Each parameter as a tensor to write, in the file layout, converted to the dtype written when its turn comes. */
    public static List<SafeTensorsWriter.Source> sources(
            Map<String, Parameter> parameters, Predicate<String> transposedOnDisk) {
        List<SafeTensorsWriter.Source> out = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            Parameter p = e.getValue();
            out.add(source(e.getKey(), p::getArray, transposedOnDisk.test(e.getKey())));
        }
        return out;
    }

    /** One model-layout array as a tensor to write, read from {@code array} when its turn comes. */
    public static SafeTensorsWriter.Source source(String name, Supplier<NDArray> array, boolean transposed) {
        return source(name, array, transposed, CHUNK_BYTES);
    }

    /** As {@link #source(String, Supplier, boolean)}, taking {@code chunkBytes} of the array at a time. */
    static SafeTensorsWriter.Source source(String name, Supplier<NDArray> array, boolean transposed, long chunkBytes) {
        return new SafeTensorsWriter.Source(
                name,
                fileShape(array.get(), transposed),
                (channel, dtype) -> write(array.get(), transposed, channel, dtype, chunkBytes));
    }

    /** Writes {@code param} in the file layout, a run of file rows (model columns when transposed) at a time. */
    private static void write(NDArray param, boolean transposed, WritableByteChannel out, Dtype dtype, long chunkBytes)
            throws IOException {
        long[] shape = fileShape(param, transposed);
        if (shape.length == 0) {
            writeAs(param, out, dtype);
            return;
        }
        long rows = shape[0];
        long step = Math.max(1, Math.min(rows, chunkBytes / Math.max(1, rowElements(shape) * Float.BYTES)));
        for (long r = 0; r < rows; r += step) {
            long end = Math.min(rows, r + step);
            if (transposed) {
                // the file's rows r..end are the model layout's columns, copied contiguous by flatten
                try (NDArray columns = param.get(new NDIndex().addAllDim().addSliceDim(r, end));
                        NDArray view = columns.transpose();
                        NDArray contiguous = view.flatten()) {
                    writeAs(contiguous, out, dtype);
                }
            } else {
                try (NDArray run = param.get(new NDIndex().addSliceDim(r, end))) {
                    writeAs(run, out, dtype);
                }
            }
        }
    }

    private static void writeAs(NDArray values, WritableByteChannel out, Dtype dtype) throws IOException {
        switch (dtype) {
            case F32 -> writeAll(out, values.toByteBuffer(true));
            case F16 -> {
                try (NDArray half = values.toType(DataType.FLOAT16, true)) {
                    writeAll(out, half.toByteBuffer(true));
                }
            }
            case BF16 -> writeRoundedToBfloat16(out, values.toByteBuffer(true));
        }
    }

    private static void writeRoundedToBfloat16(WritableByteChannel out, ByteBuffer floats) throws IOException {
        ByteBuffer in = floats.order(ByteOrder.nativeOrder());
        ByteBuffer chunk = BF16_OUT.get().clear();
        while (in.remaining() >= 4) {
            chunk.putShort(bfloat16(in.getInt()));
            if (!chunk.hasRemaining()) {
                chunk.flip();
                writeAll(out, chunk);
                chunk.clear();
            }
        }
        chunk.flip();
        writeAll(out, chunk);
    }

    /** {@code c10::BFloat16}'s rounding: to nearest, ties to even, any NaN to the canonical quiet NaN. */
    static short bfloat16(int floatBits) {
        if ((floatBits & 0x7FFF_FFFF) > 0x7F80_0000) {
            return (short) 0x7FC0;
        }
        return (short) ((floatBits + 0x7FFF + ((floatBits >>> 16) & 1)) >>> 16);
    }

    private static void writeAll(WritableByteChannel out, ByteBuffer bytes) throws IOException {
        ByteBuffer le = bytes.order(ByteOrder.nativeOrder());
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new IOException("safetensors is little-endian; writing from a big-endian host is not supported");
        }
        while (le.hasRemaining()) {
            out.write(le);
        }
    }

    /**
     * Frees a direct buffer now rather than at some later GC, so the import's peak memory is the weights plus one
     * tensor, not plus every staging buffer a GC has not collected yet.
     */
    private static void free(ByteBuffer direct) {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
            theUnsafe.setAccessible(true);
            Method invokeCleaner = unsafeClass.getMethod("invokeCleaner", ByteBuffer.class);
            invokeCleaner.invoke(theUnsafe.get(null), direct);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // without jdk.unsupported the buffer is freed by the GC instead
        }
    }
}
