package dev.cpt.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cpt.common.io.Dtype;
import dev.cpt.common.io.SafeTensorsFile;
import dev.cpt.common.io.SafeTensorsWriter;
import dev.cpt.common.io.TensorEntry;
import dev.cpt.model.engine.NativeArrays;
import dev.cpt.model.engine.OfflineEngine;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Tensors staged and written in runs of rows (the path every tensor over {@link NativeWeights#CHUNK_BYTES} takes, so
 * that none meets a 2 GiB buffer whole) give bit for bit what one run gives, for each stored dtype, in both layouts.
 * The tensors here are small and the run lengths chosen to split them unevenly.
 */
class NativeWeightsChunkTest {

    private static final int ROWS = 37;
    private static final int COLS = 11;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(Dtype.class)
    void runsOfRowsImportBitForBitAsTheWholeTensor(Dtype dtype) throws Exception {
        try (NDManager manager = OfflineEngine.get().newBaseManager()) {
            Path file = tmp.resolve("w.safetensors");
            write(file, manager, dtype, Long.MAX_VALUE);
            try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
                for (String name : List.of("matrix", "vector")) {
                    TensorEntry e = st.tensors().get(name);
                    // the reference: the stored bytes decoded in Java, independently of libtorch
                    float[] stored = decode(st, e);
                    long rowBytes = (e.elementCount() / e.shape()[0]) * (dtype == Dtype.BF16 ? 4 : dtype.bytes());
                    for (boolean transposed :
                            e.shape().length == 2 ? new boolean[] {false, true} : new boolean[] {false}) {
                        float[] expected = transposed ? transpose(stored, ROWS, COLS) : stored;
                        for (long chunk : new long[] {Long.MAX_VALUE, rowBytes, 3 * rowBytes, 3 * rowBytes + 1, 1}) {
                            ByteBuffer staging = NativeWeights.staging(List.of(e), chunk);
                            long rows = Math.min(e.shape()[0], Math.max(1, chunk / rowBytes));
                            assertEquals(rows * rowBytes, staging.capacity(), "staging holds " + rows + " rows");
                            try (NDArray read = NativeWeights.read(st, e, transposed, staging, manager, chunk)) {
                                long[] shape = transposed ? new long[] {e.shape()[1], e.shape()[0]} : e.shape();
                                assertArrayEquals(shape, read.getShape().getShape());
                                assertArrayEquals(
                                        expected,
                                        read.toFloatArray(),
                                        dtype + " " + name + " transposed " + transposed + ", runs of " + chunk
                                                + " bytes");
                            }
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Dtype.class)
    void runsOfRowsExportTheSameBytesAsTheWholeTensor(Dtype dtype) throws Exception {
        try (NDManager manager = OfflineEngine.get().newBaseManager()) {
            Path whole = tmp.resolve("whole.safetensors");
            write(whole, manager, dtype, Long.MAX_VALUE);
            byte[] reference = Files.readAllBytes(whole);
            for (long chunk : new long[] {1, 4L * COLS, 3 * 4L * COLS, 3 * 4L * ROWS + 5}) {
                Path runs = tmp.resolve("runs-" + chunk + ".safetensors");
                write(runs, manager, dtype, chunk);
                assertArrayEquals(reference, Files.readAllBytes(runs), dtype + " in runs of " + chunk + " bytes");
            }
            if (dtype == Dtype.F32) {
                // and those bytes are the values themselves, the transposed one in the file layout
                try (SafeTensorsFile st = SafeTensorsFile.open(whole)) {
                    assertArrayEquals(
                            transpose(values(ROWS * COLS, 1), COLS, ROWS),
                            decode(st, st.tensors().get("matrix")));
                    assertArrayEquals(values(COLS, 2), decode(st, st.tensors().get("vector")));
                }
            }
        }
    }

    /**
     * A model-layout [COLS, ROWS] matrix written transposed (file layout [ROWS, COLS], as GPT-2's Conv1D weights are)
     * and a vector, in {@code dtype}, exported in runs of {@code chunkBytes}.
     */
    private static void write(Path file, NDManager manager, Dtype dtype, long chunkBytes) throws Exception {
        NDArray matrix = NativeArrays.create(manager, values(ROWS * COLS, 1), new Shape(COLS, ROWS));
        NDArray vector = NativeArrays.create(manager, values(COLS, 2), new Shape(COLS));
        SafeTensorsWriter.writeFile(
                file,
                List.of(
                        NativeWeights.source("matrix", () -> matrix, true, chunkBytes),
                        NativeWeights.source("vector", () -> vector, false, chunkBytes)),
                dtype,
                Map.of());
        matrix.close();
        vector.close();
    }

    /** Values over many binades, f16 subnormals included, with ties for bf16's rounding. */
    private static float[] values(int n, long seed) {
        Random random = new Random(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(9) - 6));
        }
        out[0] = Float.intBitsToFloat(0x3F80_8000); // exactly halfway between two bf16 values
        return out;
    }

    private static float[] transpose(float[] rowMajor, int rows, int cols) {
        float[] out = new float[rowMajor.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = rowMajor[r * cols + c];
            }
        }
        return out;
    }

    private static float[] decode(SafeTensorsFile file, TensorEntry e) throws Exception {
        ByteBuffer bytes = ByteBuffer.allocate((int) e.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        file.read(e, bytes);
        float[] out = new float[(int) e.elementCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (e.dtype()) {
                case F32 -> bytes.getFloat(4 * i);
                case BF16 -> Float.intBitsToFloat((bytes.getShort(2 * i) & 0xFFFF) << 16);
                case F16 -> halfToFloat(bytes.getShort(2 * i));
            };
        }
        return out;
    }

    /** IEEE binary16 to float, exact (Java 17 has no Float.float16ToFloat). */
    private static float halfToFloat(short h) {
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1F;
        int mantissa = h & 0x3FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F80_0000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
    }
}
