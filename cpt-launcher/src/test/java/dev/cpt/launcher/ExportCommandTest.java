package dev.cpt.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cpt.common.io.Dtype;
import dev.cpt.common.io.SafeTensorsWriter;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.LlamaConfig;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.model.io.DecoderConfigJson;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cpt export}: its command line, its one-line errors, and real exports that re-import to the same model. */
class ExportCommandTest {
    private static final LlamaConfig CONFIG = LlamaConfig.tiny(256);
    private static final int[][] PROBE = {
        "Granite is an igneous rock.".chars().toArray(),
        IntStream.range(0, 40).map(i -> (i * 37) % 256).toArray()
    };

    @TempDir
    static Path shared;

    /** A run directory as the trainer leaves it: two checkpoints, LATEST naming the second. */
    private static Path run;

    @TempDir
    Path tmp;

    @BeforeAll
    static void writeARun() throws Exception {
        run = shared.resolve("run-1");
        int[][] batch = {"Basalt is a volcanic rock, number one.".chars().toArray()};
        try (LanguageModel model = LanguageModel.create(CONFIG, 11)) {
            // trained, so the weights and the optimizer state are not the initial ones
            model.trainStep(batch, OptimizerSettings.defaults());
            model.save(run.resolve("step-1"), Map.of());
            model.trainStep(batch, OptimizerSettings.defaults());
            model.save(run.resolve("step-2"), Map.of());
        }
        Files.writeString(run.resolve(ExportCommand.LATEST), "step-2\n");
    }

    @Test
    void aFloat32ExportReimportsToIdenticalLogits() throws Exception {
        Path checkpoint = run.resolve("step-1");
        Path out = tmp.resolve("hf");
        Outcome o = run("--checkpoint", checkpoint.toString(), "--out", out.toString());
        assertEquals(0, o.status(), o.err());
        assertEquals(1, o.out().lines().count(), o.out());
        assertTrue(o.out().contains("llama") && o.out().contains("float32"), o.out());
        assertEquals(
                List.of("config.json", "model.safetensors", "tokenizer_info.json"),
                Files.list(out).map(p -> p.getFileName().toString()).sorted().toList());
        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("llama", config.path("model_type").asText());
        assertEquals("float32", config.path("torch_dtype").asText());
        assertEquals(CONFIG, DecoderConfigJson.read(out.resolve("config.json")));
        try (LanguageModel trained = LanguageModel.load(checkpoint);
                LanguageModel exported = LanguageModel.importHuggingFace(out)) {
            assertEquals(Dtype.F32, exported.exportDtype());
            assertLogitsIdentical(trained.logits(PROBE), exported.logits(PROBE));
        }
        assertEquals(List.of("hf"), siblings(out), "no temporary directory is left beside the export");
    }

    @Test
    void bfloat16InSmallShardsWritesAnIndexAndStatesItsDtype() throws Exception {
        Path out = tmp.resolve("hf-bf16");
        Outcome o = run(
                "--checkpoint",
                run.resolve("step-2").toString(),
                "--out",
                out.toString(),
                "--dtype",
                "bfloat16",
                "--max-shard-size",
                "40KB");
        assertEquals(0, o.status(), o.err());
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors.index.json")));
        try (Stream<Path> files = Files.list(out)) {
            assertTrue(
                    files.filter(p -> p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors"))
                                    .count()
                            > 1,
                    "40 KB shards of a bfloat16 model of about 150 KB");
        }
        assertEquals(
                "bfloat16",
                new ObjectMapper()
                        .readTree(out.resolve("config.json").toFile())
                        .path("torch_dtype")
                        .asText());
        try (LanguageModel exported = LanguageModel.importHuggingFace(out)) {
            assertEquals(Dtype.BF16, exported.exportDtype());
            assertEquals(CONFIG, exported.decoderConfig());
        }
    }

    @Test
    void aRunDirectoryExportsTheCheckpointItsLatestFileNames() throws Exception {
        Path out = tmp.resolve("hf");
        Outcome o = run("--checkpoint", run.toString(), "--out", out.toString());
        assertEquals(0, o.status(), o.err());
        assertTrue(o.out().contains(run.resolve("step-2").toString()), o.out());
        try (LanguageModel latest = LanguageModel.load(run.resolve("step-2"));
                LanguageModel exported = LanguageModel.importHuggingFace(out)) {
            assertLogitsIdentical(latest.logits(PROBE), exported.logits(PROBE));
        }
    }

    @Test
    void anEmptyOutDirectoryIsFilledButANonEmptyOneIsRefusedUntouched() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertEquals(
                0,
                run("--checkpoint", run.toString(), "--out", empty.toString()).status());
        assertTrue(Files.isRegularFile(empty.resolve("config.json")));

        Path full = Files.createDirectories(tmp.resolve("full"));
        Files.writeString(full.resolve("notes.txt"), "mine");
        Outcome o = run("--checkpoint", run.toString(), "--out", full.toString());
        assertEquals(1, o.status());
        assertOneLine(o.err(), "exists and is not empty");
        assertEquals(List.of("notes.txt"), siblings(full.resolve("notes.txt")));
        assertEquals("", o.out());
    }

    @Test
    void aMissingOrUnrecognisedCheckpointIsOneLine() throws Exception {
        Outcome missing = run(
                "--checkpoint",
                tmp.resolve("nowhere").toString(),
                "--out",
                tmp.resolve("a").toString());
        assertEquals(1, missing.status());
        assertOneLine(missing.err(), "no checkpoint at");

        Path notACheckpoint = Files.createDirectories(tmp.resolve("stuff"));
        Outcome neither = run(
                "--checkpoint",
                notACheckpoint.toString(),
                "--out",
                tmp.resolve("b").toString());
        assertEquals(1, neither.status());
        assertOneLine(neither.err(), "not a checkpoint (no manifest.json) nor a run directory (no LATEST)");
        assertFalse(Files.exists(tmp.resolve("a")) || Files.exists(tmp.resolve("b")));
    }

    @Test
    void aCorruptedCheckpointIsRefusedInOneLine() throws Exception {
        Path copy = Files.createDirectories(tmp.resolve("step-1"));
        try (Stream<Path> files = Files.list(run.resolve("step-1"))) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Path weights = copy.resolve(LanguageModel.WEIGHTS_FILE);
        byte[] bytes = Files.readAllBytes(weights);
        bytes[bytes.length - 1] ^= 0x5a; // one flipped byte in the last weight
        Files.write(weights, bytes);
        Outcome o =
                run("--checkpoint", copy.toString(), "--out", tmp.resolve("hf").toString());
        assertEquals(1, o.status());
        assertOneLine(o.err(), "model.safetensors is corrupted");
        assertFalse(Files.exists(tmp.resolve("hf")));
    }

    @Test
    void commandLineMistakesNameTheOptionAndShowTheUsage() {
        for (String[] args : List.of(
                new String[] {"--out", "x"},
                new String[] {"--checkpoint", "x"},
                new String[] {"--checkpoint", "x", "--out", "y", "--dtype", "int8"},
                new String[] {"--checkpoint", "x", "--out", "y", "--max-shard-size", "5 parsecs"},
                new String[] {"--checkpoint", "x", "--out", "y", "--max-shard-size", "0"},
                new String[] {"--checkpoint", "x", "--out", "y", "--shard", "1"},
                new String[] {"--checkpoint", "x", "--out"})) {
            Outcome o = run(args);
            assertEquals(2, o.status(), String.join(" ", args));
            List<String> lines = o.err().lines().toList();
            assertEquals(2, lines.size(), o.err());
            assertTrue(lines.get(0).startsWith("cpt export: "), o.err());
            assertEquals(ExportCommand.USAGE, lines.get(1));
        }
        assertTrue(run("--checkpoint", "x", "--out", "y", "--dtype", "int8")
                .err()
                .contains("--dtype int8 is not one of float32, float16, bfloat16"));
        assertTrue(run("--out", "y").err().contains("--checkpoint DIR is required"));
    }

    @Test
    void parsesDtypesAndShardSizesAsTransformersWritesThem() throws Exception {
        ExportCommand.Request defaults =
                ExportCommand.Request.parse(new String[] {"export", "--checkpoint", "c", "--out", "o"});
        assertEquals(Dtype.F32, defaults.dtype());
        assertEquals(SafeTensorsWriter.DEFAULT_MAX_SHARD_BYTES, defaults.maxShardBytes());
        assertEquals(Dtype.F16, ExportCommand.parseDtype("float16"));
        assertEquals(Dtype.BF16, ExportCommand.parseDtype("bfloat16"));
        assertEquals(1000, ExportCommand.parseBytes("1000"));
        assertEquals(5_000_000_000L, ExportCommand.parseBytes("5GB"));
        assertEquals(500_000_000L, ExportCommand.parseBytes("500mb"));
        assertEquals(2L << 30, ExportCommand.parseBytes("2GiB"));
        assertEquals(3L << 20, ExportCommand.parseBytes("3MiB"));
        assertThrows(ExportCommand.Failure.class, () -> ExportCommand.parseBytes("99999999999TB"));
        assertThrows(ExportCommand.Failure.class, () -> ExportCommand.parseBytes("-1"));
    }

    @Test
    void helpSaysWhyFloat32IsTheDefault() {
        Outcome o = run("--help");
        assertEquals(0, o.status());
        assertTrue(o.out().contains("checkpoints do not record the dtype"), o.out());
    }

    private record Outcome(int status, String out, String err) {}

    private static Outcome run(String... options) {
        String[] args = Stream.concat(Stream.of("export"), Stream.of(options)).toArray(String[]::new);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ExportCommand.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A failure is one line saying what is wrong: no stack trace, no usage (the command line was fine). */
    private static void assertOneLine(String err, String expected) {
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("cpt export: ") && err.contains(expected), err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), err);
    }

    private static List<String> siblings(Path p) throws Exception {
        try (Stream<Path> s = Files.list(p.getParent())) {
            return s.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    private static void assertLogitsIdentical(float[][][] expected, float[][][] actual) {
        assertEquals(expected.length, actual.length);
        for (int r = 0; r < expected.length; r++) {
            for (int t = 0; t < expected[r].length; t++) {
                assertArrayEquals(expected[r][t], actual[r][t], "row " + r + " position " + t);
            }
        }
    }
}
