package dev.cpt.ingest;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.JsonSerializer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka value serializer for the documents ingest publishes, writing the same JSON as the contracts'
 * {@link JsonSerializer} (a test compares the two trees) but straight into bytes. The token array is the bulk of a
 * document's JSON (about 3.5 bytes per byte of text with the byte tokenizer), and writing it element by element
 * through Jackson was the largest single cost of ingest. Anything that is not a {@link Document} of the known
 * shape goes through Jackson, so a field added to the contract later is never silently dropped.
 */
public class DocumentSerializer implements Serializer<Object> {
    /** The record components this writer knows; another shape falls back to Jackson. */
    private static final boolean KNOWN_SHAPE = Arrays.stream(Document.class.getRecordComponents())
            .map(c -> c.getName()).toList()
            .equals(java.util.List.of("id", "domain", "text", "tokenizer", "tokens", "source", "receivedAt", "quality"));

    /** The decimal digits of 0 to 999 packed as (length << 24 | d2 << 16 | d1 << 8 | d0): a token costs a lookup. */
    private static final int[] DIGITS = new int[1000];

    static {
        for (int v = 0; v < DIGITS.length; v++) {
            String s = Integer.toString(v);
            int packed = s.length() << 24;
            for (int i = 0; i < s.length(); i++) {
                packed |= s.charAt(s.length() - 1 - i) << (8 * i);
            }
            DIGITS[v] = packed;
        }
    }

    private final JsonSerializer fallback = new JsonSerializer();

    @Override
    public byte[] serialize(String topic, Object data) {
        if (!(data instanceof Document doc) || !KNOWN_SHAPE) {
            return fallback.serialize(topic, data);
        }
        // room for an escaped text and three digits and a comma per token: one allocation, one final trim
        Out out = new Out(doc.text().length() * 2 + doc.tokens().length * 4 + 1024);
        out.raw("{\"id\":").string(doc.id());
        out.raw(",\"domain\":").string(doc.domain());
        out.raw(",\"text\":").string(doc.text());
        out.raw(",\"tokenizer\":").string(doc.tokenizer());
        out.raw(",\"tokens\":[").numbers(doc.tokens());
        out.raw("],\"source\":").string(doc.source());
        // Instant.toString is ISO-8601 as Jackson's JavaTimeModule writes it with WRITE_DATES_AS_TIMESTAMPS off
        out.raw(",\"receivedAt\":").string(doc.receivedAt().toString());
        out.raw(",\"quality\":{");
        boolean first = true;
        for (Map.Entry<String, Double> q : doc.quality().entrySet()) {
            out.raw(first ? "" : ",").string(q.getKey()).raw(":").raw(jsonNumber(q.getValue()));
            first = false;
        }
        out.raw("}}");
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
            byte[] quoted = JsonStringEncoder.getInstance().quoteAsUTF8(s);
            ensure(quoted.length + 2);
            buf[pos++] = '"';
            System.arraycopy(quoted, 0, buf, pos, quoted.length);
            pos += quoted.length;
            buf[pos++] = '"';
            return this;
        }

        /** Comma-separated; ids below 1000 (every byte token, a vocabulary's most frequent ones) come from the table. */
        Out numbers(int[] values) {
            ensure(values.length * 4);
            byte[] b = buf;
            int p = pos;
            for (int i = 0; i < values.length; i++) {
                int v = values[i];
                if (p + 12 > b.length) {
                    pos = p;
                    ensure(values.length * 4 + 12);
                    b = buf;
                }
                if (i > 0) {
                    b[p++] = ',';
                }
                if (v >= 0 && v < DIGITS.length) {
                    int d = DIGITS[v];
                    int len = d >>> 24;
                    if (len == 3) {
                        b[p++] = (byte) (d >>> 16);
                    }
                    if (len >= 2) {
                        b[p++] = (byte) (d >>> 8);
                    }
                    b[p++] = (byte) d;
                } else {
                    byte[] digits = Integer.toString(v).getBytes(StandardCharsets.US_ASCII);
                    System.arraycopy(digits, 0, b, p, digits.length);
                    p += digits.length;
                }
            }
            pos = p;
            return this;
        }

        private void ensure(int more) {
            if (pos + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
            }
        }

        byte[] bytes() {
            return pos == buf.length ? buf : Arrays.copyOf(buf, pos);
        }
    }
}
