package dev.cpt.common.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/** The non-blank lines of a {@code .jsonl} file, or of a {@code .jsonl.gz} file unpacked as it is read. */
public final class JsonLines {
    /** Receives one line with its 1-based number in the file. */
    @FunctionalInterface
    public interface LineConsumer {
        void accept(String line, int number) throws IOException;
    }

    private JsonLines() {}

    /**
     * Hands every non-blank line of {@code file} to {@code lines}, in order.
     *
     * @throws IOException when the file cannot be read to its end (the lines before were handed over)
     */
    public static void read(Path file, LineConsumer lines) throws IOException {
        boolean gzip = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz");
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (!line.isBlank()) {
                    lines.accept(line, number);
                }
            }
        }
    }
}
