package dev.cpt.mixing.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.Json;
import dev.cpt.contracts.RawDocument;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextDomainTest {

    /** {@code count} documents of a domain, distinct, a few sentences each. */
    static List<String> documents(String topic, int count) {
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            docs.add("Notes on " + topic + " number " + i + ". The " + topic + " manual explains step " + (i * 7 % 13)
                    + " before step " + (i * 5 % 11) + ", and a " + topic + " user reads section " + i
                    + " twice. Each " + topic + " example ends with a short summary of what changed in part " + i
                    + ".\n");
        }
        return docs;
    }

    static void writeJsonlGz(Path file, String domain, List<String> docs) throws Exception {
        Files.createDirectories(file.getParent());
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            for (int i = 0; i < docs.size(); i++) {
                out.write((Json.write(new RawDocument(domain + "-" + i, domain, docs.get(i), "test")) + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void directoryOfTextAndJsonlSplitsByTextHashWhateverTheFileOrder(@TempDir Path dir) throws Exception {
        List<String> docs = documents("tide", 12);
        Path a = dir.resolve("a/tides");
        writeJsonlGz(a.resolve("part-1.jsonl.gz"), "tides", docs.subList(0, 8));
        for (int i = 8; i < 12; i++) {
            Files.writeString(a.resolve("doc" + i + (i % 2 == 0 ? ".txt" : ".md")), docs.get(i));
        }
        Files.writeString(a.resolve("README.rst"), "not a document");
        Path b = dir.resolve("b/reordered.jsonl.gz");
        List<String> reversed = new ArrayList<>(docs);
        Collections.reverse(reversed);
        writeJsonlGz(b, "x", reversed);

        TextDomain fromDir = TextDomain.load(a.toString(), 3);
        TextDomain fromFile = TextDomain.load("tides=" + b, 3);

        assertEquals("tides", fromDir.name());
        assertEquals("tides", fromFile.name());
        assertEquals(9, fromDir.train().size());
        assertEquals(3, fromDir.heldout().size());
        assertEquals(Set.copyOf(fromDir.heldout()), Set.copyOf(fromFile.heldout()), "the split follows the text");
        Set<String> all = new HashSet<>(fromDir.train());
        all.addAll(fromDir.heldout());
        assertEquals(Set.copyOf(docs), all, "every document is in exactly one part");
        assertTrue(fromDir.train().stream().noneMatch(fromDir.heldout()::contains));
    }

    @Test
    void aPathWithoutEnoughDocumentsOrWithABadLineSaysWhy(@TempDir Path dir) throws Exception {
        Path few = dir.resolve("few.jsonl.gz");
        writeJsonlGz(few, "few", documents("rain", 5));
        var tooFew = assertThrows(IllegalArgumentException.class, () -> TextDomain.load(few.toString(), 3));
        assertTrue(tooFew.getMessage().contains("holds 5 documents"), tooFew.getMessage());

        var missing = assertThrows(
                IllegalArgumentException.class,
                () -> TextDomain.load(dir.resolve("nope").toString(), 1));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());

        Path bad = dir.resolve("bad/bad.jsonl");
        Files.createDirectories(bad.getParent());
        Files.writeString(bad, "{\"text\": \"fine\"}\n{\"id\": \"no text\"}\n");
        var badLine = assertThrows(IllegalArgumentException.class, () -> TextDomain.load(bad.toString(), 1));
        assertTrue(badLine.getMessage().contains("bad.jsonl:2"), badLine.getMessage());

        var badName = assertThrows(IllegalArgumentException.class, () -> TextDomain.load("a b=" + few, 1));
        assertTrue(badName.getMessage().contains("not a domain name"), badName.getMessage());
    }
}
