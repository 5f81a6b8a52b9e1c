package dev.cpt.ingest;

import static dev.cpt.ingest.RejectedDocumentException.BINARY;
import static dev.cpt.ingest.RejectedDocumentException.EMPTY;
import static dev.cpt.ingest.RejectedDocumentException.INVALID_UTF8;
import static dev.cpt.ingest.RejectedDocumentException.TOO_LARGE;
import static dev.cpt.ingest.RejectedDocumentException.TOO_SMALL;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * First step: is this text at all? Size bounds, binary content and strict UTF-8. Raw bytes (a file, a Kafka value,
 * an HTTP line) are checked before they are decoded, so invalid UTF-8 is refused instead of being silently
 * replaced by U+FFFD; text that arrived already decoded (a JSON string) gets the same size and binary checks.
 */
public final class Validator {
    /** Binary files announce themselves early (headers, NUL padding): the control-character ratio is taken here. */
    static final int SNIFF_CHARS = 8192;
    /** More control characters than this share of the sniffed prefix means binary, even without a NUL. */
    static final double MAX_CONTROL_SHARE = 0.10;

    private final int minBytes;
    private final int maxBytes;

    public Validator(int minBytes, int maxBytes) {
        if (minBytes < 1 || maxBytes < minBytes) {
            throw new IllegalArgumentException(
                    "need 1 <= min-document-bytes <= max-document-bytes, got " + minBytes + ", " + maxBytes);
        }
        this.minBytes = minBytes;
        this.maxBytes = maxBytes;
    }

    public int maxBytes() {
        return maxBytes;
    }

    /** The longest JSON form a document within the limit can have: every character escaped, plus the other fields. */
    public int jsonLimit() {
        return (int) Math.min(Integer.MAX_VALUE - 16, maxBytes * 6L + 65_536);
    }

    /** Checks raw bytes and decodes them, refusing anything that is not valid UTF-8. */
    public String decode(byte[] bytes, int offset, int length) {
        checkSize(length);
        checkNotBinary(bytes, offset, length);
        return decodeStrict(bytes, offset, length);
    }

    /**
     * Checks and decodes the bytes of a JSON document (whose text field is checked after parsing). Its size bound is
     * loose: JSON escapes can make a text within the limit up to six times longer.
     */
    public String decodeJson(byte[] bytes, int offset, int length) {
        if (length == 0) {
            throw new RejectedDocumentException(EMPTY, "the document is 0 bytes");
        }
        long jsonLimit = jsonLimit();
        if (length > jsonLimit) {
            throw new RejectedDocumentException(
                    TOO_LARGE,
                    "the JSON document is " + length + " bytes, more than any text within the limit of " + maxBytes
                            + " bytes can take");
        }
        checkNotBinary(bytes, offset, length);
        return decodeStrict(bytes, offset, length);
    }

    /** Checks text that was decoded elsewhere (a JSON string field); {@code utf8Bytes} is its encoded length. */
    public void check(String text, int utf8Bytes) {
        checkSize(utf8Bytes);
        int nul = text.indexOf('\0');
        if (nul >= 0) {
            throw new RejectedDocumentException(BINARY, "the text holds a NUL character at index " + nul);
        }
        int sniff = Math.min(text.length(), SNIFF_CHARS);
        int controls = 0;
        for (int i = 0; i < sniff; i++) {
            controls += isBinaryControl(text.charAt(i)) ? 1 : 0;
        }
        if (controls > MAX_CONTROL_SHARE * sniff) {
            throw binaryShare(controls, sniff);
        }
    }

    /** UTF-8 length of a Java string, without encoding it; -1 when it holds an unpaired surrogate (not encodable). */
    public static int utf8Length(String s) {
        int n = 0;
        for (int i = 0, len = s.length(); i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                return -1;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** The reason for a text whose UTF-8 length is unknown because it holds an unpaired surrogate. */
    static RejectedDocumentException unpairedSurrogate() {
        return new RejectedDocumentException(
                INVALID_UTF8, "the text holds an unpaired UTF-16 surrogate (no UTF-8 form)");
    }

    private void checkSize(int bytes) {
        if (bytes == 0) {
            throw new RejectedDocumentException(EMPTY, "the document is 0 bytes");
        }
        if (bytes > maxBytes) {
            throw new RejectedDocumentException(
                    TOO_LARGE, "the document is " + bytes + " bytes, the limit is " + maxBytes);
        }
        if (bytes < minBytes) {
            throw new RejectedDocumentException(
                    TOO_SMALL, "the document is " + bytes + " bytes, the minimum is " + minBytes);
        }
    }

    private static void checkNotBinary(byte[] b, int offset, int length) {
        int sniff = Math.min(length, SNIFF_CHARS);
        int controls = 0;
        for (int i = 0; i < length; i++) {
            byte x = b[offset + i];
            if (x == 0) {
                throw new RejectedDocumentException(
                        BINARY, "NUL byte at offset " + i + ": this is binary data, not text");
            }
            if (i < sniff && x > 0 && isBinaryControl((char) x)) {
                controls++;
            }
        }
        if (controls > MAX_CONTROL_SHARE * sniff) {
            throw binaryShare(controls, sniff);
        }
    }

    /** C0 controls other than tab, line feed, form feed, carriage return and escape (ANSI colour codes in logs). */
    private static boolean isBinaryControl(char c) {
        return (c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r' && c != 0x1b) || c == 0x7f;
    }

    private static RejectedDocumentException binaryShare(int controls, int sniff) {
        return new RejectedDocumentException(
                BINARY,
                controls + " of the first " + sniff
                        + " characters are control characters: this is binary data, not text");
    }

    private static String decodeStrict(byte[] b, int offset, int length) {
        // ASCII needs no decoder: the common case costs one scan and one copy.
        boolean ascii = true;
        for (int i = offset, end = offset + length; i < end; i++) {
            if (b[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(b, offset, length, StandardCharsets.ISO_8859_1);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b, offset, length);
        CharBuffer out = CharBuffer.allocate(length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            throw new RejectedDocumentException(
                    INVALID_UTF8,
                    "malformed UTF-8 at byte offset " + (in.position() - offset) + " (0x"
                            + String.format("%02x", b[in.position()] & 0xff) + "): the text must be UTF-8");
        }
        decoder.flush(out);
        return out.flip().toString();
    }
}
