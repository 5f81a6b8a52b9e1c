package dev.cpt.ingest;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.JsonSerializer;
import dev.cpt.contracts.PackedInts;
import dev.cpt.contracts.Versioned;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka value serializer for the documents ingest publishes, writing the same JSON as the contracts'
 * {@link JsonSerializer} (a test compares the two trees) but straight into bytes. The tokens are the bulk of a
 * document's JSON: packed ({@link PackedInts}, schema version 2) 4/3 bytes per byte-tokenizer id, as the number array
 * of version 1 about 3.5 bytes per byte of text. Anything that is not a {@link Document} of the known shape goes
 * through Jackson, so a field added to the contract later is never silently dropped.
 *
 * <p>{@value #ENCODING_CONFIG}{@code =numbers} (a producer property, handed to {@link #configure}) writes version 1
 * instead (tokens as a number array, no version field): for a rolling upgrade while some consumer still runs code that
 * reads only version 1, and for the benchmarks' side-by-side comparison.
 */
public class DocumentSerializer implements Serializer<Object> {
    /** The record components this writer knows; another shape falls back to Jackson. */
    private static final boolean KNOWN_SHAPE = Arrays.stream(Document.class.getRecordComponents())
            .map(c -> c.getName())
            .toList()
            .equals(java.util.List.of(
                    "id",
                    "domain",
                    "text",
                    "tokenizer",
                    "tokenizerFingerprint",
                    "tokens",
                    "source",
                    "receivedAt",
                    "quality"));

    /** The decimal digits of each value below 1000 followed by a comma, packed little-endian for one 4-byte store. */
    private static final int[] DIGITS_COMMA = new int[1000];

    static {
        for (int v = 0; v < DIGITS_COMMA.length; v++) {
            byte[] s = (v + ",").getBytes(StandardCharsets.US_ASCII);
            int packed = 0;
            for (int i = 0; i < s.length; i++) {
                packed |= (s[i] & 0xff) << (8 * i);
            }
            DIGITS_COMMA[v] = packed;
        }
    }

    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    /** Largest scratch buffer a thread keeps (the JSON of a ~250 KB text); larger records get a buffer of their own. */
    private static final int SCRATCH_LIMIT = 1 << 20;

    /**
     * Kafka serializes on the sending thread; each thread writes into its own buffer instead of allocating a
     * generous one per record and trimming it (two large allocations and a copy per record).
     */
    private static final ThreadLocal<Out> SCRATCH = ThreadLocal.withInitial(() -> new Out(1 << 16));

    /** Producer property: {@code packed} (default, schema version 2) or {@code numbers} (version 1). */
    public static final String ENCODING_CONFIG = "cpt.tokens.encoding";

    private final JsonSerializer fallback = new JsonSerializer();
    private boolean numbers;

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Object encoding = configs.get(ENCODING_CONFIG);
        if (encoding != null && !"packed".equals(encoding) && !"numbers".equals(encoding)) {
            throw new IllegalArgumentException(ENCODING_CONFIG + " must be packed or numbers, is " + encoding);
        }
        numbers = "numbers".equals(encoding);
    }

    @Override
    public byte[] serialize(String topic, Object data) {
        if (!(data instanceof Document doc) || !KNOWN_SHAPE) {
            return fallback.serialize(topic, data);
        }
        // written into this thread's scratch buffer, then copied once at its exact size: one allocation per record
        int estimate = doc.text().length() + doc.tokens().length * (numbers ? 4 : 2) + 1024;
        Out out = estimate <= SCRATCH_LIMIT ? SCRATCH.get().reset(estimate) : new Out(estimate);
        out.raw("{\"id\":").string(doc.id());
        out.raw(",\"domain\":").string(doc.domain());
        out.raw(",\"text\":").string(doc.text());
        out.raw(",\"tokenizer\":").string(doc.tokenizer());
        // version 1 readers ignore fields they do not know, so the numbers form carries the fingerprint too
        out.raw(",\"tokenizerFingerprint\":").string(doc.tokenizerFingerprint());
        if (numbers) {
            out.raw(",\"tokens\":[").numbers(doc.tokens()).raw("]");
        } else {
            out.raw(",\"tokens\":\"").packed(doc.tokens()).raw("\"");
        }
        out.raw(",\"source\":").string(doc.source());
        // Instant.toString is ISO-8601 as Jackson's JavaTimeModule writes it with WRITE_DATES_AS_TIMESTAMPS off
        out.raw(",\"receivedAt\":").string(doc.receivedAt().toString());
        out.raw(",\"quality\":{");
        boolean first = true;
        for (Map.Entry<String, Double> q : doc.quality().entrySet()) {
            out.raw(first ? "" : ",").string(q.getKey()).raw(":").raw(jsonNumber(q.getValue()));
            first = false;
        }
        out.raw(numbers ? "}}" : "},\"" + Versioned.FIELD + "\":" + Versioned.SCHEMA_VERSION + "}");
        return out.bytes();
    }

    private static String jsonNumber(Double d) {
        return d == null || !Double.isFinite(d) ? (d == null ? "null" : Json.write(d)) : Double.toString(d);
    }

    /** A growing byte buffer with the few JSON writes needed here. */
    private static final class Out {
        private byte[] buf;
        private int pos;

        Out(int capacity) {
            buf = new byte[capacity];
        }

        /** Empties the buffer and makes room for {@code capacity} bytes (a buffer grown past the limit is let go). */
        Out reset(int capacity) {
            pos = 0;
            if (buf.length < capacity || buf.length > SCRATCH_LIMIT) {
                buf = new byte[Math.min(SCRATCH_LIMIT, Math.max(capacity, Math.min(buf.length * 2, SCRATCH_LIMIT)))];
            }
            return this;
        }

        Out raw(String ascii) {
            ensure(ascii.length());
            for (int i = 0; i < ascii.length(); i++) {
                buf[pos++] = (byte) ascii.charAt(i);
            }
            return this;
        }

        Out string(String s) {
            if (s == null) {
                return raw("null");
            }
            // Printable ASCII and line feeds (nearly all text) are written here; anything else (quotes,
            // backslashes, other controls, non-ASCII) leaves the string to Jackson, so the escaping is its own.
            int n = s.length();
            ensure(2 * n + 2);
            byte[] b = buf;
            int p = pos;
            b[p++] = '"';
            for (int i = 0; i < n; i++) {
                char c = s.charAt(i);
                if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                    b[p++] = (byte) c;
                } else if (c == '\n') {
                    b[p++] = '\\';
                    b[p++] = 'n';
                } else {
                    return jackson(s);
                }
            }
            b[p++] = '"';
            pos = p;
            return this;
        }

        private Out jackson(String s) {
            byte[] quoted = JsonStringEncoder.getInstance().quoteAsUTF8(s);
            ensure(quoted.length + 2);
            buf[pos++] = '"';
            System.arraycopy(quoted, 0, buf, pos, quoted.length);
            pos += quoted.length;
            buf[pos++] = '"';
            return this;
        }

        /**
         * Comma-separated; ids below 1000 (every byte token, a vocabulary's most frequent ones) come from a table
         * of their digits and comma, stored 4 bytes at once and advanced by their length.
         */
        Out numbers(int[] values) {
            ensure(values.length * 4 + 4);
            byte[] b = buf;
            int p = pos;
            for (int v : values) {
                if (b.length - p < 16) {
                    pos = p;
                    ensure(16 + values.length * 4);
                    b = buf;
                }
                if (v >= 0 && v < DIGITS_COMMA.length) {
                    int d = DIGITS_COMMA[v];
                    INT_LE.set(b, p, d);
                    p += v < 10 ? 2 : v < 100 ? 3 : 4;
                } else {
                    byte[] digits = Integer.toString(v).getBytes(StandardCharsets.US_ASCII);
                    System.arraycopy(digits, 0, b, p, digits.length);
                    p += digits.length;
                    b[p++] = ',';
                }
            }
            pos = values.length > 0 ? p - 1 : p; // no comma after the last one
            return this;
        }

        Out packed(int[] values) {
            int width = PackedInts.width(values);
            ensure(PackedInts.packedLength(values.length, width));
            pos = PackedInts.pack(values, width, buf, pos);
            return this;
        }

        private void ensure(int more) {
            if (pos + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
            }
        }

        byte[] bytes() {
            return Arrays.copyOf(buf, pos);
        }
    }
}
