package dev.cpt.contracts;

import com.fasterxml.jackson.annotation.JacksonAnnotationsInside;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Token ids in JSON as one string instead of a number array (schema version 2, see {@link Versioned}): a width
 * character, {@code '1'}, {@code '2'} or {@code '4'}, then the ids as fixed-width little-endian unsigned integers of
 * that many bytes (4: two's-complement int32, the only width for a negative id), in RFC 4648 base64 with the standard
 * alphabet and no padding. The width is the smallest that holds the largest id: every byte-tokenizer id fits in one
 * byte (4/3 JSON bytes per id instead of about 3.5 as numbers), a 50k BPE vocabulary in two. An empty array is
 * {@code "1"}. For example {@code [1, 2, 300]} is {@code "2AQACACwB"}.
 *
 * <p>Chosen over an LEB128 varint form (7 bits a byte) by measurement ({@code data-ingest-service/bench/
 * broker-storage.sh}, the shipped corpora, byte tokenizer): the two are the same size within 0.5 % (2.739 against
 * 2.748 JSON bytes per byte of text for documents; in the broker, over two runs, 1.416-1.418 against 1.418-1.423 with
 * lz4, 0.931-0.936 against 0.933-0.939 with zstd), since nearly all of that text is ASCII, where both take one byte
 * an id; the varint form takes two for
 * the ids 128-255 of other UTF-8 text. Fixed width is the simpler reader (no data-dependent loop, a length check
 * catches a truncated value), and it bounds the size by the width. Not measured: a BPE vocabulary, where varints
 * would take one byte for ids below 128 and three for ids from 16,384, fixed width two for any id below 65,536.
 *
 * <p>Readers accept both this string and the number array of version 1, so old messages still read. Annotate an
 * {@code int[]} record component with {@link PackedInts.Field}; the Java API stays {@code int[]}.
 */
public final class PackedInts {
    private static final byte[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".getBytes(StandardCharsets.US_ASCII);
    private static final VarHandle SHORT_LE =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** The two characters of every 12 bits, the first in the low byte: one lookup for each pair of characters. */
    private static final long[] PAIRS = new long[1 << 12];

    static {
        for (int v = 0; v < PAIRS.length; v++) {
            PAIRS[v] = ALPHABET[v >>> 6] | (long) ALPHABET[v & 0x3F] << 8;
        }
    }

    private PackedInts() {}

    /** Marks an {@code int[]} record component as written packed and read in either form. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT})
    @JacksonAnnotationsInside
    @JsonSerialize(using = PackedInts.Serializer.class)
    @JsonDeserialize(using = PackedInts.Deserializer.class)
    public @interface Field {}

    /** Bytes per id: the smallest of 1, 2 and 4 that holds every id as an unsigned integer. */
    public static int width(int[] ids) {
        int or = 0;
        for (int id : ids) {
            or |= id;
        }
        return (or & 0xFFFF_FF00) == 0 ? 1 : (or & 0xFFFF_0000) == 0 ? 2 : 4;
    }

    /** The length in characters (= UTF-8 bytes) of {@code ids} packed, width character included. */
    public static int packedLength(int[] ids) {
        return packedLength(ids.length, width(ids));
    }

    /** The packed length of {@code count} ids of {@code width} bytes. */
    public static int packedLength(int count, int width) {
        return 1 + base64Length(count * width);
    }

    /** The packed form as a string. */
    public static String pack(int[] ids) {
        byte[] out = new byte[packedLength(ids)];
        pack(ids, out, 0);
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    /**
     * Writes the packed form (ASCII, no quotes) into {@code out} at {@code offset}, which must have room for
     * {@link #packedLength}; returns the offset after it.
     */
    public static int pack(int[] ids, byte[] out, int offset) {
        return pack(ids, width(ids), out, offset);
    }

    /** {@link #pack(int[], byte[], int)} at a {@link #width} already known. */
    public static int pack(int[] ids, int width, byte[] out, int offset) {
        out[offset++] = (byte) ('0' + width);
        if (width == 1) {
            return base64(ids, out, offset); // the byte tokenizer's ids are their own bytes: nothing to convert
        }
        int[] bytes = new int[ids.length * width];
        for (int i = 0, k = 0; i < ids.length; i++) {
            for (int shift = 0; shift < 8 * width; shift += 8) {
                bytes[k++] = ids[i] >>> shift & 0xFF; // little-endian: low byte first
            }
        }
        return base64(bytes, out, offset);
    }

    /** Reads the packed form back; throws {@link IllegalArgumentException} saying what is wrong with it. */
    public static int[] unpack(String packed) {
        if (packed.isEmpty()) {
            throw new IllegalArgumentException("packed ids are empty: no width character");
        }
        int width = packed.charAt(0) - '0';
        if (width != 1 && width != 2 && width != 4) {
            throw new IllegalArgumentException("packed ids begin with width '" + packed.charAt(0) + "', not 1, 2 or 4");
        }
        byte[] raw = Base64.getDecoder().decode(packed.substring(1));
        if (raw.length % width != 0) {
            throw new IllegalArgumentException(
                    raw.length + " bytes of packed ids are not a whole number of " + width + "-byte ids");
        }
        int[] ids = new int[raw.length / width];
        if (width == 1) {
            for (int i = 0; i < ids.length; i++) {
                ids[i] = raw[i] & 0xFF;
            }
        } else if (width == 2) {
            for (int i = 0; i < ids.length; i++) {
                ids[i] = (short) SHORT_LE.get(raw, 2 * i) & 0xFFFF;
            }
        } else {
            for (int i = 0; i < ids.length; i++) {
                ids[i] = (int) INT_LE.get(raw, 4 * i);
            }
        }
        return ids;
    }

    private static int base64Length(int bytes) {
        return bytes / 3 * 4 + (bytes % 3 == 0 ? 0 : bytes % 3 + 1);
    }

    /** RFC 4648 base64 (standard alphabet, no padding) of bytes given as ints 0-255, written at {@code offset}. */
    private static int base64(int[] in, byte[] out, int offset) {
        int p = offset;
        int whole = in.length - in.length % 3;
        int i = 0;
        // six bytes make eight characters, four pairs looked up, stored as one little-endian long
        for (; i + 6 <= whole && p + 8 <= out.length; i += 6, p += 8) {
            long bits = (long) (in[i] << 16 | in[i + 1] << 8 | in[i + 2]) << 24
                    | in[i + 3] << 16
                    | in[i + 4] << 8
                    | in[i + 5];
            LONG_LE.set(
                    out,
                    p,
                    PAIRS[(int) (bits >>> 36)]
                            | (long) PAIRS[(int) (bits >>> 24) & 0xFFF] << 16
                            | (long) PAIRS[(int) (bits >>> 12) & 0xFFF] << 32
                            | (long) PAIRS[(int) bits & 0xFFF] << 48);
        }
        for (; i < whole; i += 3) {
            int bits = in[i] << 16 | in[i + 1] << 8 | in[i + 2];
            out[p++] = ALPHABET[bits >>> 18];
            out[p++] = ALPHABET[bits >>> 12 & 0x3F];
            out[p++] = ALPHABET[bits >>> 6 & 0x3F];
            out[p++] = ALPHABET[bits & 0x3F];
        }
        int rest = in.length - whole;
        if (rest > 0) {
            int bits = in[whole] << 16 | (rest == 2 ? in[whole + 1] << 8 : 0);
            out[p++] = ALPHABET[bits >>> 18];
            out[p++] = ALPHABET[bits >>> 12 & 0x3F];
            if (rest == 2) {
                out[p++] = ALPHABET[bits >>> 6 & 0x3F];
            }
        }
        return p;
    }

    /** Writes an {@code int[]} packed. */
    public static final class Serializer extends StdSerializer<int[]> {
        public Serializer() {
            super(int[].class);
        }

        @Override
        public void serialize(int[] ids, JsonGenerator gen, SerializerProvider provider) throws IOException {
            byte[] out = new byte[packedLength(ids)];
            pack(ids, out, 0);
            if (gen instanceof com.fasterxml.jackson.core.json.UTF8JsonGenerator) {
                // base64 needs no escaping: written as is, without a String in between
                gen.writeRawUTF8String(out, 0, out.length);
            } else {
                gen.writeString(new String(out, StandardCharsets.ISO_8859_1));
            }
        }
    }

    /** Reads an {@code int[]} packed (version 2) or as a number array (version 1). */
    public static final class Deserializer extends StdDeserializer<int[]> {
        public Deserializer() {
            super(int[].class);
        }

        @Override
        public int[] deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                try {
                    return unpack(p.getText());
                } catch (IllegalArgumentException e) {
                    return (int[]) ctxt.handleWeirdStringValue(int[].class, p.getText(), e.getMessage());
                }
            }
            // the number array of schema version 1, read by Jackson's own int[] reader
            return ctxt.readValue(p, int[].class);
        }
    }
}
