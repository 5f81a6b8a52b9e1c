package dev.cpt.launcher;

import dev.cpt.contracts.Json;
import dev.cpt.contracts.RawDocument;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * A corpus shipped with the project: real documentation text converted by {@code corpus/build-corpora.sh} from a
 * Debian package, one {@link RawDocument} per line of {@code corpus/<name>/documents.jsonl.gz}, with its NOTICE
 * (source, copyright, license) beside it. The launcher jar carries them, so the demo needs no network and no apt.
 *
 * @param name the directory under {@code corpus/}
 * @param domain the domain its documents carry
 * @param title what it is, for the report
 * @param license the license it is redistributed under
 */
public record ShippedCorpus(String name, String domain, String title, String license) {

    /** The general corpus: the Debian Reference's prose (GPL-2+). Stage 0 pre-trains on part of it. */
    public static final ShippedCorpus GENERAL = new ShippedCorpus("general", "general",
            "Debian Reference (prose)", "GPL-2+");
    /** The first domain: the Python 3.11 tutorial, HOWTOs, FAQ and language reference (PSF License). */
    public static final ShippedCorpus PYTHON = new ShippedCorpus("python", "python",
            "Python 3.11 documentation", "PSF License");
    /** The second domain: the PostgreSQL 15 tutorial, SQL chapters and command reference (PostgreSQL License). */
    public static final ShippedCorpus POSTGRESQL = new ShippedCorpus("postgresql", "postgresql",
            "PostgreSQL 15 documentation", "PostgreSQL License");

    public static final List<ShippedCorpus> ALL = List.of(GENERAL, PYTHON, POSTGRESQL);

    /** Every document, in the shipped order (the order the source pages are read in). */
    public List<RawDocument> documents() {
        String resource = "corpus/" + name + "/documents.jsonl.gz";
        try (InputStream in = ShippedCorpus.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the shipped corpus " + resource + " is missing from the launcher jar"
                        + " (it is built from the top-level corpus/ directory)");
            }
            var reader = new BufferedReader(new InputStreamReader(new GZIPInputStream(in), StandardCharsets.UTF_8));
            List<RawDocument> docs = new ArrayList<>();
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.isBlank()) {
                    docs.add(Json.read(line, RawDocument.class));
                }
            }
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the shipped corpus " + resource, e);
        }
    }
}
