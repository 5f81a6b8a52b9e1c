package dev.cpt.common.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cpt.common.io.SafeTensors.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsShardsTest {

    @TempDir
    Path tmp;

    /** Three tensors of 24, 16 and 40 bytes. */
    private static Map<String, Tensor> tensors() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("a", new Tensor(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
        t.put("b", new Tensor(new long[] {4}, new float[] {-1, 0.5f, 7, 8}));
        t.put("c", new Tensor(new long[] {10}, new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
        return t;
    }

    /** Writes F32 tensors through the streaming writer, each source writing its floats little-endian. */
    static List<String> writeF32(Path dir, Map<String, Tensor> tensors, long maxShardBytes) throws IOException {
        List<SafeTensorsWriter.Source> sources = new ArrayList<>();
        tensors.forEach((name, t) -> sources.add(new SafeTensorsWriter.Source(name, t.shape(), (out, dtype) -> {
            ByteBuffer buf = ByteBuffer.allocate(4 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(t.data());
            out.write(buf);
        })));
        return SafeTensorsWriter.write(dir, sources, Dtype.F32, maxShardBytes, Map.of("format", "pt"));
    }

    private static float[] readFloats(SafeTensorsShards shards, String name) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) shards.tensors().get(name).byteSize());
        shards.read(name, buf);
        float[] out = new float[buf.remaining() / 4];
        buf.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    @Test
    void underTheLimitOneFileIdenticalToTheInMemoryWriter() throws Exception {
        assertEquals(List.of("model.safetensors"), writeF32(tmp, tensors(), 1000));
        assertArrayEquals(
                SafeTensors.toBytes(tensors(), Map.of("format", "pt")),
                Files.readAllBytes(tmp.resolve("model.safetensors")));
        try (SafeTensorsShards shards = SafeTensorsShards.open(tmp)) {
            assertEquals(
                    List.of("a", "b", "c"), new ArrayList<>(shards.tensors().keySet()));
            assertArrayEquals(tensors().get("c").data(), readFloats(shards, "c"));
        }
    }

    @Test
    void aTensorIsReadInByteRangesAsLargeTensorsAre() throws Exception {
        writeF32(tmp, tensors(), 1000);
        try (SafeTensorsFile file = SafeTensorsFile.open(tmp.resolve("model.safetensors"))) {
            TensorEntry c = file.tensors().get("c");
            // floats 3..6 of c, after a byte of the buffer already used
            ByteBuffer buf = ByteBuffer.allocate(17).order(ByteOrder.LITTLE_ENDIAN);
            buf.put((byte) 0x7F);
            file.read(c, 12, 16, buf);
            assertEquals(0x7F, buf.get());
            float[] got = new float[4];
            buf.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(got);
            assertArrayEquals(new float[] {3, 4, 5, 6}, got);
            assertThrows(IllegalArgumentException.class, () -> file.read(c, 36, 8, ByteBuffer.allocate(8)));
            assertThrows(IllegalArgumentException.class, () -> file.read(c, -4, 4, ByteBuffer.allocate(4)));
            assertThrows(IllegalArgumentException.class, () -> file.read(c, 0, 8, ByteBuffer.allocate(4)));
        }
    }

    @Test
    void aboveTheLimitShardsWithATransformersIndex() throws Exception {
        // a and b fit in 40 bytes together; c alone fills the second shard
        List<String> written = writeF32(tmp, tensors(), 40);
        assertEquals(
                List.of(
                        "model-00001-of-00002.safetensors",
                        "model-00002-of-00002.safetensors",
                        SafeTensorsShards.INDEX_FILE),
                written);
        JsonNode index = new ObjectMapper()
                .readTree(tmp.resolve(SafeTensorsShards.INDEX_FILE).toFile());
        assertEquals(80, index.get("metadata").get("total_size").asLong());
        assertEquals(
                "model-00001-of-00002.safetensors",
                index.get("weight_map").get("b").asText());
        assertEquals(
                "model-00002-of-00002.safetensors",
                index.get("weight_map").get("c").asText());
        try (SafeTensorsShards shards = SafeTensorsShards.open(tmp)) {
            for (Map.Entry<String, Tensor> e : tensors().entrySet()) {
                assertArrayEquals(e.getValue().data(), readFloats(shards, e.getKey()), e.getKey());
            }
            assertEquals(tmp.resolve("model-00002-of-00002.safetensors"), shards.fileOf("c"));
        }
        // a later unsharded export into the same directory replaces the shards rather than mixing with them
        writeF32(tmp, tensors(), 1000);
        try (var files = Files.list(tmp)) {
            assertEquals(
                    List.of("model.safetensors"),
                    files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void aMissingShardIsNamedBeforeAnyHeaderIsRead() throws Exception {
        writeF32(tmp, tensors(), 40);
        Files.delete(tmp.resolve("model-00002-of-00002.safetensors"));
        IOException e = assertThrows(IOException.class, () -> SafeTensorsShards.open(tmp));
        assertTrue(e.getMessage().contains("model-00002-of-00002.safetensors"), e.getMessage());
    }

    @Test
    void anIndexThatDisagreesWithItsShardsIsRefused() throws Exception {
        writeF32(tmp, tensors(), 40);
        Path index = tmp.resolve(SafeTensorsShards.INDEX_FILE);
        String json = Files.readString(index);
        Files.writeString(index, json.replace("\"c\" : \"model-00002", "\"c\" : \"model-00001"));
        IOException e = assertThrows(IOException.class, () -> SafeTensorsShards.open(tmp));
        assertTrue(e.getMessage().contains("model-0000"), e.getMessage());

        Files.writeString(index, json.replace("\"c\" : \"model-00002", "\"c\" : \"../model-00002"));
        IOException outside = assertThrows(IOException.class, () -> SafeTensorsShards.open(tmp));
        assertTrue(outside.getMessage().contains("not a file name"), outside.getMessage());
    }

    @Test
    void damagedFilesAreRefusedNamingTheFile() throws Exception {
        writeF32(tmp, tensors(), 40);
        Path shard = tmp.resolve("model-00001-of-00002.safetensors");
        byte[] good = Files.readAllBytes(shard);

        Files.write(shard, java.util.Arrays.copyOf(good, 20));
        IOException header = assertThrows(IOException.class, () -> SafeTensorsShards.open(tmp));
        assertTrue(header.getMessage().contains(shard.toString()), header.getMessage());
        assertTrue(header.getMessage().contains("truncated"), header.getMessage());

        Files.write(shard, java.util.Arrays.copyOf(good, good.length - 4));
        IOException data = assertThrows(IOException.class, () -> SafeTensorsShards.open(tmp));
        assertTrue(data.getMessage().contains(shard.toString()), data.getMessage());

        String text = new String(good, StandardCharsets.ISO_8859_1).replaceFirst("\"F32\"", "\"I32\"");
        Files.write(shard, text.getBytes(StandardCharsets.ISO_8859_1));
        IOException dtype = assertThrows(IOException.class, () -> SafeTensorsShards.open(tmp));
        assertTrue(dtype.getMessage().contains(shard.toString()), dtype.getMessage());
        assertTrue(dtype.getMessage().contains("dtype I32"), dtype.getMessage());
    }

    @Test
    void halfPrecisionHeadersAreReadWithTheirByteSizes() throws Exception {
        byte[] json =
                "{\"h\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,6]},\"f\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[6,8]}}"
                        .getBytes(StandardCharsets.UTF_8);
        ByteBuffer file = ByteBuffer.allocate(8 + json.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(json.length)
                .put(json)
                .putShort((short) 0x3f80)
                .putShort((short) 0x4000)
                .putShort((short) 0xbf80);
        file.putShort((short) 0x3c00);
        Files.write(tmp.resolve("model.safetensors"), file.array());
        try (SafeTensorsShards shards = SafeTensorsShards.open(tmp)) {
            assertEquals(java.util.EnumSet.of(Dtype.BF16, Dtype.F16), shards.dtypes());
            assertEquals(3, shards.tensors().get("h").elementCount());
            ByteBuffer h = ByteBuffer.allocate(6);
            shards.read("h", h);
            assertEquals((short) 0x4000, h.order(ByteOrder.LITTLE_ENDIAN).getShort(2));
        }
        // the float[] reader keeps refusing what it cannot hold
        IOException e = assertThrows(IOException.class, () -> SafeTensors.read(tmp.resolve("model.safetensors")));
        assertTrue(e.getMessage().contains("BF16"), e.getMessage());
    }
}
