package dev.cpt.launcher;

import static dev.cpt.launcher.MainTest.cpt;
import static dev.cpt.launcher.MainTest.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cpt ingest}, {@code status} and {@code report}: their options and paths are checked, and a missing or stopped
 * stack is named, in one line with exit status 2 and before anything is sent (EmbeddedStackIT runs them on a stack).
 */
class StackCommandsTest {
    @TempDir
    Path dir;

    /** A failure found once the command ran: one line naming it, no stack trace. */
    private static void failed(MainTest.Run run, String... expected) {
        assertEquals(2, run.status(), run.err());
        assertEquals(1, run.errLines().size(), run.err());
        for (String e : expected) {
            assertTrue(run.err().contains(e), "'" + e + "' missing from: " + run.err());
        }
        assertTrue(!run.err().contains("Exception") && !run.err().contains("\tat "), "no stack trace: " + run.err());
    }

    @Test
    void ingestNeedsAPathThatHoldsDocuments() throws IOException {
        refused(cpt("ingest"), "PATH");
        failed(cpt("ingest", dir.resolve("nosuch").toString()), "nosuch does not exist");
        Path pdf = Files.writeString(dir.resolve("paper.pdf"), "%PDF");
        failed(cpt("ingest", pdf.toString()), "paper.pdf is not one of .txt, .md, .jsonl, .jsonl.gz");
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Files.writeString(empty.resolve("notes.pdf"), "%PDF");
        failed(cpt("ingest", empty.toString()), "no .txt, .md, .jsonl, .jsonl.gz file under", "nothing to ingest");
    }

    @Test
    void ingestChecksItsOptions() throws IOException {
        Path doc = Files.writeString(dir.resolve("a.txt"), "some text");
        failed(cpt("ingest", doc.toString(), "--domain", "no spaces"), "--domain no spaces is not a domain name");
        failed(cpt("ingest", doc.toString(), "--request-bytes", "10"), "--request-bytes must be at least 1024");
        refused(cpt("ingest", doc.toString(), "--request-bytes", "lots"), "--request-bytes", "lots");
    }

    @Test
    void everyStackCommandNamesAMissingStack() throws IOException {
        Path doc = Files.writeString(dir.resolve("a.txt"), "some text");
        Path none = dir.resolve("no-stack");
        String expected = "no stack in " + none.toAbsolutePath();
        failed(cpt("ingest", doc.toString(), "--data-dir", none.toString()), expected, "start one with cpt up");
        failed(cpt("status", "--data-dir", none.toString()), expected, "start one with cpt up");
        failed(cpt("report", "--data-dir", none.toString()), expected, "neither a running one nor a broker log");
    }

    @Test
    void aStackWhoseProcessIsGoneHasStopped() throws Exception {
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        Path stackDir = Files.createDirectory(dir.resolve("stack"));
        new StackFile(
                        "localhost:1",
                        Map.of(Service.INGEST.module(), URI.create("http://localhost:1")),
                        stackDir.resolve("inbox").toString(),
                        exited.pid(),
                        Instant.now())
                .write(stackDir);
        Path doc = Files.writeString(dir.resolve("a.txt"), "some text");
        failed(cpt("ingest", doc.toString(), "--data-dir", stackDir.toString()), "has stopped", "cpt up");
        failed(cpt("status", "--data-dir", stackDir.toString()), "has stopped", "cpt up");
    }

    @Test
    void upNamesABaseItCouldNotLoadBeforeAnythingStarts() throws IOException {
        failed(cpt("up", "--base", dir.toString()), "--base " + dir + " holds no config.json");
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"bert\"}");
        failed(cpt("up", "--base", dir.toString()), "model_type bert is not supported", "llama", "qwen2");
        Path llama = Files.createDirectory(dir.resolve("llama"));
        Files.writeString(
                llama.resolve("config.json"),
                "{\"model_type\": \"llama\", \"vocab_size\": 300, \"hidden_size\": 24, \"intermediate_size\": 40,"
                        + " \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"num_key_value_heads\": 2,"
                        + " \"max_position_embeddings\": 32, \"rms_norm_eps\": 1e-05, \"rope_theta\": 10000.0}");
        assertEquals(32, UpCommand.checkedBase(llama).contextLength(), "the mixer's sequences are cut to fit it");
    }

    @Test
    void anIngestThatDoesNotAnswerEndsInOneLineWithStatusOne() throws Exception {
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        Path stackDir = Files.createDirectory(dir.resolve("stack"));
        new StackFile(
                        "localhost:1",
                        Map.of(Service.INGEST.module(), URI.create("http://localhost:" + closed)),
                        stackDir.resolve("inbox").toString(),
                        0,
                        Instant.now())
                .write(stackDir);
        Path doc = Files.writeString(dir.resolve("a.txt"), "some text");
        MainTest.Run run = cpt("ingest", doc.toString(), "--data-dir", stackDir.toString());
        assertEquals(1, run.status(), run.err());
        assertEquals(1, run.errLines().size(), run.err());
        assertTrue(run.err().contains("ingest at http://localhost:" + closed + "/documents did not answer"), run.err());
    }

    @Test
    void theStackFileReadsBackAsWritten() {
        StackFile written = new StackFile(
                "localhost:9092",
                Map.of(Service.INGEST.module(), URI.create("http://localhost:8081")),
                "/tmp/inbox",
                0,
                Instant.parse("2026-12-04T12:00:00Z"));
        written.write(dir);
        StackFile read = StackFile.read(dir);
        assertEquals(written, read);
        assertTrue(read.running(), "a hand-written file (pid 0) is taken as running");
        assertEquals(URI.create("http://localhost:8081"), read.service(Service.INGEST));
    }

    @Test
    void eachStackCommandDescribesItsOptions() {
        for (String[] command : new String[][] {
            {"ingest", "--domain", "--api-key", "--request-bytes", "--data-dir", "Default: 4194304"},
            {"status", "--data-dir", "Default: .cpt"},
            {"report", "--out", "--run", "--data-dir"}
        }) {
            MainTest.Run help = cpt(command[0], "--help");
            assertEquals(0, help.status(), help.err());
            for (int i = 1; i < command.length; i++) {
                assertTrue(help.out().contains(command[i]), command[i] + " missing from: " + help.out());
            }
        }
    }
}
