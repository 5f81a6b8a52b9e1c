package dev.cpt.common.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.common.io.SafeTensors.SafeTensorsException;
import dev.cpt.common.io.SafeTensors.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SafeTensorsTest {

    @Test
    void roundTripsTensorsAndMetadata() throws Exception {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("a", new Tensor(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, Float.NaN}));
        tensors.put("b", new Tensor(new long[] {1}, new float[] {-0.5f}));
        tensors.put("empty", new Tensor(new long[] {0, 4}, new float[0]));
        byte[] bytes = SafeTensors.toBytes(tensors, Map.of("format", "pt"));
        long headerLen = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + headerLen) % 8, "data section must be 8-byte aligned");

        SafeTensors.Contents back = SafeTensors.parse(bytes);
        assertEquals(Map.of("format", "pt"), back.metadata());
        assertEquals(tensors.keySet(), back.tensors().keySet());
        assertArrayEquals(new long[] {2, 3}, back.tensors().get("a").shape());
        assertArrayEquals(tensors.get("a").data(), back.tensors().get("a").data());
        assertArrayEquals(new float[] {-0.5f}, back.tensors().get("b").data());
        assertEquals(0, back.tensors().get("empty").data().length);
    }

    @Test
    void theSameMetadataInAnyOrderGivesTheSameBytes() throws Exception {
        Map<String, Tensor> tensors = Map.of("w", new Tensor(new long[] {2}, new float[] {1, 2}));
        Map<String, String> forward = new LinkedHashMap<>();
        Map<String, String> backward = new LinkedHashMap<>();
        for (int i = 0; i < 12; i++) {
            forward.put("key" + i, "v" + i);
            backward.put("key" + (11 - i), "v" + (11 - i));
        }
        assertArrayEquals(SafeTensors.toBytes(tensors, forward), SafeTensors.toBytes(tensors, backward));
    }

    @Test
    void readsLittleEndianAsSpecified() throws Exception {
        byte[] file = file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        // 1.0f little-endian
        ByteBuffer.wrap(file, file.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.0f);
        assertArrayEquals(
                new float[] {1.0f}, SafeTensors.parse(file).tensors().get("x").data());
    }

    @Test
    void rejectsHeaderLengthBeyondTheFile() {
        byte[] ok = file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        ByteBuffer.wrap(ok).order(ByteOrder.LITTLE_ENDIAN).putLong(0, ok.length);
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.parse(ok));
        assertTrue(e.getMessage().contains("header length"), e.getMessage());

        byte[] huge = ok.clone();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, Long.MAX_VALUE);
        assertThrows(SafeTensorsException.class, () -> SafeTensors.parse(huge));

        byte[] negative = ok.clone();
        ByteBuffer.wrap(negative).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -8);
        assertThrows(SafeTensorsException.class, () -> SafeTensors.parse(negative));

        assertThrows(SafeTensorsException.class, () -> SafeTensors.parse(new byte[5]));
    }

    @Test
    void rejectsOffsetsOutsideTheBuffer() {
        SafeTensorsException e = assertThrows(
                SafeTensorsException.class,
                () -> SafeTensors.parse(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4)));
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
        assertThrows(
                SafeTensorsException.class,
                () -> SafeTensors.parse(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4)));
        assertThrows(
                SafeTensorsException.class,
                () -> SafeTensors.parse(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8)));
    }

    @Test
    void rejectsInconsistentOrOverlappingEntries() {
        // shape says 2 floats, offsets span 1
        assertThrows(
                SafeTensorsException.class,
                () -> SafeTensors.parse(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4)));
        // two tensors on the same bytes
        SafeTensorsException overlap = assertThrows(
                SafeTensorsException.class,
                () -> SafeTensors.parse(file(
                        "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                                + "\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                        8)));
        assertTrue(overlap.getMessage().contains("overlap"), overlap.getMessage());
        // trailing bytes not covered by any tensor
        assertThrows(
                SafeTensorsException.class,
                () -> SafeTensors.parse(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12)));
        // unsupported dtype, bad JSON, non-object header
        SafeTensorsException dtype = assertThrows(
                SafeTensorsException.class,
                () -> SafeTensors.parse(file("{\"x\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4)));
        assertTrue(dtype.getMessage().contains("F16"), dtype.getMessage());
        assertThrows(SafeTensorsException.class, () -> SafeTensors.parse(file("{\"x\":", 0)));
        assertThrows(SafeTensorsException.class, () -> SafeTensors.parse(file("[1,2]", 0)));
        assertThrows(
                SafeTensorsException.class,
                () -> SafeTensors.parse(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4)));
    }

    /** A file with the given header JSON followed by {@code dataBytes} zero bytes. */
    private static byte[] file(String header, int dataBytes) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(json.length).put(json);
        return buf.array();
    }
}
