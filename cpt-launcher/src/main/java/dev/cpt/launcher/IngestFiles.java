package dev.cpt.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cpt.common.io.JsonLines;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.RawDocument;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The files {@code cpt ingest} sends, as ingest's inbox reads them: a {@code .txt} or {@code .md} file is one document,
 * a {@code .jsonl} or {@code .jsonl.gz} file one {@link RawDocument} per line. Directories are walked (hidden entries
 * skipped); a file named on the command line must have one of these extensions.
 */
final class IngestFiles {
    static final List<String> EXTENSIONS = List.of(".txt", ".md", ".jsonl", ".jsonl.gz");

    /** One line of the upload and where it came from ({@code file:line}), to name it in the summary. */
    record Line(byte[] json, String origin) {}

    final List<Path> files;
    /** Files under the named directories that were not sent: their extension is none of {@link #EXTENSIONS}. */
    final int skipped;

    private final String domain;

    private IngestFiles(List<Path> files, int skipped, String domain) {
        this.files = List.copyOf(files);
        this.skipped = skipped;
        this.domain = domain;
    }

    /**
     * The files under {@code paths}, checked before anything is sent.
     *
     * @param domain the domain of documents that name none, or null to leave it to ingest's rules
     */
    static IngestFiles collect(List<Path> paths, String domain) {
        if (domain != null && !RawDocument.DOMAIN.matcher(domain).matches()) {
            throw new IllegalArgumentException(
                    "--domain " + domain + " is not a domain name: 1 to 64 letters, digits, '.', '_' or '-'");
        }
        List<Path> files = new ArrayList<>();
        int skipped = 0;
        for (Path path : paths) {
            if (Files.isDirectory(path)) {
                List<Path> under = walk(path);
                List<Path> supported =
                        under.stream().filter(IngestFiles::supported).toList();
                skipped += under.size() - supported.size();
                files.addAll(supported);
            } else if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException(path + " does not exist");
            } else if (!supported(path)) {
                throw new IllegalArgumentException(
                        path + " is not one of " + String.join(", ", EXTENSIONS) + " (or a directory of them)");
            } else {
                files.add(path);
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(
                    "no " + String.join(", ", EXTENSIONS) + " file under " + paths + ": nothing to ingest");
        }
        return new IngestFiles(files, skipped, domain);
    }

    long bytes() {
        long total = 0;
        for (Path f : files) {
            try {
                total += Files.size(f);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return total;
    }

    /**
     * Hands every document line of {@code file} to {@code lines}, in order.
     *
     * @throws IOException when the file cannot be read to its end (the lines before were handed over)
     */
    void read(Path file, Consumer<Line> lines) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".txt") || name.endsWith(".md")) {
            String text = utf8(Files.readAllBytes(file), file);
            lines.accept(new Line(
                    Json.write(new RawDocument(null, domain, text, file.toString()))
                            .getBytes(StandardCharsets.UTF_8),
                    file.toString()));
            return;
        }
        JsonLines.read(
                file,
                (line, number) ->
                        lines.accept(new Line(withDomain(line).getBytes(StandardCharsets.UTF_8), file + ":" + number)));
    }

    /**
     * The line with {@code --domain} filled in when it names none. A line that is not a JSON object goes as it is:
     * ingest rejects it with the reason, which the summary counts.
     */
    private String withDomain(String line) {
        if (domain == null) {
            return line;
        }
        try {
            JsonNode node = Json.MAPPER.readTree(line);
            if (node instanceof ObjectNode object
                    && (!object.hasNonNull("domain")
                            || object.get("domain").asText().isBlank())) {
                object.put("domain", domain);
                return Json.MAPPER.writeValueAsString(object);
            }
        } catch (IOException notJson) {
            // sent unchanged: ingest names what is wrong with it
        }
        return line;
    }

    private static String utf8(byte[] bytes, Path file) throws IOException {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IOException(file + " is not UTF-8 text", e);
        }
    }

    private static boolean supported(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    private static List<Path> walk(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(Files::isRegularFile)
                    .filter(p -> !dir.relativize(p).toString().matches("(.*/)?\\..*"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
