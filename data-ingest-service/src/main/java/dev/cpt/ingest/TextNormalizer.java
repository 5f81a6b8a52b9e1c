package dev.cpt.ingest;

import java.text.Normalizer;

/**
 * Second step: one canonical form per text, so that dedup, quality and the tokenizer see the same characters
 * whatever editor or OS produced them. Unicode NFC; CR LF and CR become LF; control and invisible format characters
 * are removed; runs of spaces and tabs (any Unicode space) become one space; spaces at line ends go; more than one
 * empty line becomes one (paragraphs survive); leading and trailing whitespace goes.
 */
public final class TextNormalizer {
    /** Every code point below U+0300 is NFC-stable, so text made only of them needs no Unicode normalisation. */
    private static final char FIRST_NFC_SENSITIVE = '\u0300';

    public String normalize(String text) {
        String nfc = needsNfc(text) && !Normalizer.isNormalized(text, Normalizer.Form.NFC)
                ? Normalizer.normalize(text, Normalizer.Form.NFC)
                : text;
        return isClean(nfc) ? nfc : clean(nfc);
    }

    /**
     * Most text is already clean: single spaces, LF line ends, nothing invisible. One read-only scan says so and
     * saves the copy (this is the hot path of ingest).
     */
    private static boolean isClean(String s) {
        int n = s.length();
        if (n == 0 || s.charAt(0) <= ' ' || s.charAt(n - 1) <= ' ') {
            return n == 0;
        }
        char previous = 'x';
        int newlines = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c > ' ' && c < 0x7f) {
                previous = c;
                newlines = 0;
                continue;
            }
            if (c == ' ') {
                if (previous == ' ' || previous == '\n') {
                    return false;
                }
            } else if (c == '\n') {
                if (previous == ' ' || ++newlines > 2) {
                    return false;
                }
            } else if (c < ' ' || c == 0x7f || isSpace(c) || isRemoved(c)) {
                return false;
            }
            previous = c;
            if (c != '\n') {
                newlines = 0;
            }
        }
        return true;
    }

    private static boolean needsNfc(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            if (s.charAt(i) >= FIRST_NFC_SENSITIVE) {
                return true;
            }
        }
        return false;
    }

    private static String clean(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int pendingNewlines = 0;
        boolean pendingSpace = false;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c == '\r') {
                if (i + 1 < n && s.charAt(i + 1) == '\n') {
                    continue; // CR LF: the LF counts
                }
                c = '\n';
            }
            if (c == '\n') {
                pendingNewlines++;
                pendingSpace = false; // trailing spaces on a line go
            } else if (isSpace(c)) {
                pendingSpace = true;
            } else if (isRemoved(c)) {
                // dropped without a trace: invisible, and would split words for dedup and the tokenizer
            } else {
                if (out.length() > 0) {
                    if (pendingNewlines > 0) {
                        out.append(pendingNewlines > 1 ? "\n\n" : "\n");
                    } else if (pendingSpace) {
                        out.append(' ');
                    }
                }
                pendingNewlines = 0;
                pendingSpace = false;
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\u000b' || c == '\f' || (c >= 0x80 && Character.isSpaceChar(c));
    }

    /**
     * Controls (other than the line and space characters handled above) and invisible formatting: zero-width space,
     * word joiner, BOM, soft hyphen, bidi marks and embeddings. ZWJ and ZWNJ stay: emoji sequences and several
     * scripts (Persian, Indic) need them.
     */
    private static boolean isRemoved(char c) {
        if (c < 0x20 || c == 0x7f) {
            return true;
        }
        if (c < 0x80) {
            return false;
        }
        if (c == '\u200c' || c == '\u200d') {
            return false;
        }
        int type = Character.getType(c);
        return type == Character.CONTROL || type == Character.FORMAT;
    }
}
