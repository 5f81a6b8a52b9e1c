package dev.cpt.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.Json;
import dev.cpt.contracts.RawDocument;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code cpt ingest} sends for each kind of file it is given. */
class IngestFilesTest {
    @TempDir
    Path dir;

    private static List<IngestFiles.Line> lines(IngestFiles files) throws IOException {
        List<IngestFiles.Line> lines = new ArrayList<>();
        for (Path f : files.files) {
            files.read(f, lines::add);
        }
        return lines;
    }

    private static RawDocument document(IngestFiles.Line line) {
        return Json.read(new String(line.json(), StandardCharsets.UTF_8), RawDocument.class);
    }

    @Test
    void aDirectoryIsWalkedForItsDocumentsAndOtherFilesAreCounted() throws IOException {
        Path docs = Files.createDirectories(dir.resolve("docs/sub"));
        Files.writeString(docs.resolve("b.md"), "# Title\n\nbody");
        Files.writeString(dir.resolve("docs/a.txt"), "plain text");
        Files.writeString(dir.resolve("docs/image.png"), "not text");
        Files.createDirectories(dir.resolve("docs/.git"));
        Files.writeString(dir.resolve("docs/.git/config.txt"), "hidden");
        Files.writeString(dir.resolve("docs/.hidden.txt"), "hidden");

        IngestFiles files = IngestFiles.collect(List.of(dir.resolve("docs")), "notes");

        assertEquals(List.of(dir.resolve("docs/a.txt"), docs.resolve("b.md")), files.files);
        assertEquals(1, files.skipped, "image.png; hidden entries are not counted");
        List<IngestFiles.Line> lines = lines(files);
        assertEquals(2, lines.size());
        RawDocument first = document(lines.get(0));
        assertEquals("plain text", first.text());
        assertEquals("notes", first.domain());
        assertEquals(dir.resolve("docs/a.txt").toString(), first.source());
        assertEquals("# Title\n\nbody", document(lines.get(1)).text());
    }

    @Test
    void jsonLinesGetTheDomainOnlyWhereTheyNameNoneAndBrokenLinesGoAsTheyAre() throws IOException {
        Path jsonl = dir.resolve("docs.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(jsonl))) {
            out.write(("{\"text\":\"no domain\"}\n\n{\"text\":\"own\",\"domain\":\"python\"}\nnot json\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        List<IngestFiles.Line> lines = lines(IngestFiles.collect(List.of(jsonl), "general"));

        assertEquals(3, lines.size(), "the blank line is not a document");
        assertEquals("general", document(lines.get(0)).domain());
        assertEquals("python", document(lines.get(1)).domain());
        assertEquals("not json", new String(lines.get(2).json(), StandardCharsets.UTF_8));
        assertEquals(jsonl + ":1", lines.get(0).origin());
        assertEquals(jsonl + ":4", lines.get(2).origin(), "line numbers count blank lines");
    }

    @Test
    void textThatIsNotUtf8IsAnUnreadableFile() throws IOException {
        Path bad = Files.write(dir.resolve("latin1.txt"), new byte[] {'c', 'a', 'f', (byte) 0xE9});
        IngestFiles files = IngestFiles.collect(List.of(bad), null);
        IOException e = assertThrows(IOException.class, () -> lines(files));
        assertTrue(e.getMessage().contains("latin1.txt is not UTF-8 text"), e.getMessage());
    }
}
