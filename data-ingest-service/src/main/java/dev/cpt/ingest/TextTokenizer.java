package dev.cpt.ingest;

import java.nio.charset.StandardCharsets;

/** The tokenizer ingest applies; byte-level by default (vocabulary 256, needs no files). */
public interface TextTokenizer {
    String name();

    int[] encode(String text);

    static TextTokenizer utf8Bytes() {
        return new TextTokenizer() {
            @Override
            public String name() {
                return "bytes";
            }

            @Override
            public int[] encode(String text) {
                byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                int[] ids = new int[bytes.length];
                for (int i = 0; i < bytes.length; i++) {
                    ids[i] = bytes[i] & 0xff;
                }
                return ids;
            }
        };
    }
}
