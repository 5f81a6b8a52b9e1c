package dev.cpt.mixing.text;

import dev.cpt.common.io.JsonLines;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.MalformedMessageException;
import dev.cpt.contracts.RawDocument;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * One domain of a mixing benchmark: real documents, split once into a training part and a held-out part. The
 * documents come from a directory (every {@code .txt} and {@code .md} file is a document, every {@code .jsonl} or
 * {@code .jsonl.gz} file one {@link RawDocument} per line, walked in name order) or from one such file. The held-out
 * part is the {@code heldout} documents whose text hashes lowest, so it depends on the documents alone, not on their
 * order or on a seed: every policy and seed is scored on the same text.
 *
 * @param name the domain's name
 * @param train documents the stream brings, in the order they were read
 * @param heldout documents no run trains on
 */
public record TextDomain(String name, List<String> train, List<String> heldout) {
    public static final List<String> EXTENSIONS = List.of(".txt", ".md", ".jsonl", ".jsonl.gz");

    public TextDomain {
        if (!RawDocument.DOMAIN.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "'" + name + "' is not a domain name: 1 to 64 letters, digits, '.', '_' or '-'");
        }
        train = List.copyOf(train);
        heldout = List.copyOf(heldout);
    }

    /**
     * A domain from {@code spec}: {@code PATH} or {@code NAME=PATH}; without a name, the directory's name or the
     * file's name without its extension.
     *
     * @throws IllegalArgumentException when the path does not exist, holds no document, or too few to keep {@code
     *     heldout} aside and still train on as many
     */
    public static TextDomain load(String spec, int heldout) {
        int eq = spec.indexOf('=');
        Path path = Path.of(eq < 0 ? spec : spec.substring(eq + 1));
        String name = eq < 0 ? defaultName(path) : spec.substring(0, eq);
        List<String> documents = read(path);
        if (documents.size() < 2 * heldout) {
            throw new IllegalArgumentException(path + " holds " + documents.size() + " documents; domain " + name
                    + " needs at least " + 2 * heldout + " (" + heldout + " held out, as many to train on)");
        }
        List<String> byHash = documents.stream()
                .sorted(Comparator.comparing(TextDomain::sha256))
                .limit(heldout)
                .toList();
        List<String> train = new ArrayList<>(documents);
        byHash.forEach(train::remove);
        return new TextDomain(name, train, byHash);
    }

    private static String defaultName(Path path) {
        String file = path.toAbsolutePath().normalize().getFileName().toString();
        for (String ext : EXTENSIONS) {
            if (file.toLowerCase(Locale.ROOT).endsWith(ext)) {
                return file.substring(0, file.length() - ext.length());
            }
        }
        return file;
    }

    private static List<String> read(Path path) {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException(path + " does not exist");
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(path)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith("."))
                    .filter(TextDomain::supported)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + path, e);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(
                    "no " + String.join(", ", EXTENSIONS) + " file at " + path + ": a domain needs documents");
        }
        List<String> documents = new ArrayList<>();
        for (Path f : files) {
            readFile(f, documents);
        }
        documents.removeIf(String::isBlank);
        return documents;
    }

    private static boolean supported(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    private static void readFile(Path file, List<String> documents) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        try {
            if (name.endsWith(".txt") || name.endsWith(".md")) {
                documents.add(Files.readString(file, StandardCharsets.UTF_8));
                return;
            }
            JsonLines.read(file, (line, number) -> documents.add(document(line, file, number)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String document(String line, Path file, int number) {
        try {
            return Json.read(line, RawDocument.class).text();
        } catch (MalformedMessageException e) {
            throw new IllegalArgumentException(
                    file + ":" + number + " is not a document ({\"text\": ...}): " + e.getMessage(), e);
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
