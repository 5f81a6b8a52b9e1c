package dev.cpt.launcher;

import dev.cpt.common.FileTrees;
import dev.cpt.common.io.Dtype;
import dev.cpt.common.io.SafeTensorsWriter;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.io.Manifest;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code cpt export}: a checkpoint of a run (or the newest one of a run directory) as a Hugging Face directory, in the
 * family's layout ({@code config.json}, {@code model.safetensors} or shards with their index, the tokenizer files),
 * ready for {@code transformers} or for {@link LanguageModel#importHuggingFace}. Checkpoints do not record the dtype
 * their run's base was imported in, so the default dtype is float32, which holds the trained weights exactly.
 */
public final class ExportCommand {

    static final String LATEST = dev.cpt.model.CheckpointInfo.LATEST;

    static final String USAGE = "usage: cpt export --checkpoint DIR --out DIR [--dtype float32|float16|bfloat16]"
            + " [--max-shard-size BYTES|5GB|2GiB]";

    static final String HELP = USAGE + "\n"
            + "  --checkpoint DIR      a checkpoint directory (with " + Manifest.FILE
            + "), or a run's directory, whose "
            + LATEST + " file\n"
            + "                        names its newest checkpoint\n"
            + "  --out DIR             the Hugging Face directory to write; must not exist or be empty\n"
            + "  --dtype NAME          float32 (default: the weights exactly; checkpoints do not record the dtype the\n"
            + "                        run's base was imported in), float16 or bfloat16 (rounded to nearest even)\n"
            + "  --max-shard-size N    weights above N go to model-0000i-of-0000n.safetensors shards with an index;\n"
            + "                        bytes, or KB/MB/GB (powers of 1000) or KiB/MiB/GiB (powers of 1024); default 5GB";

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMGT]i?B|B)?", Pattern.CASE_INSENSITIVE);

    private ExportCommand() {}

    /**
     * {@code cpt export} under the {@code cpt} command: its arguments, {@code --help} included, go to {@link #run}
     * as they are, which parses them, prints its own help and fails with one line.
     */
    @Command(
            name = "export",
            description = "Writes a checkpoint (or a run directory's LATEST one) as a Hugging Face directory;"
                    + " cpt export --help lists its options.")
    static final class Subcommand implements Callable<Integer> {
        @Unmatched
        List<String> arguments = new ArrayList<>();

        @Override
        public Integer call() {
            List<String> args = new ArrayList<>(List.of("export"));
            args.addAll(arguments);
            return run(args.toArray(String[]::new), System.out, System.err);
        }
    }

    /**
     * What the command line asks for.
     *
     * @param checkpoint a checkpoint directory or a run directory, as given
     * @param out the Hugging Face directory to write
     * @param dtype the weights' dtype in the export
     * @param maxShardBytes the most bytes of weights one safetensors file holds
     */
    public record Request(Path checkpoint, Path out, Dtype dtype, long maxShardBytes) {

        /** Parses {@code cpt export ...} ({@code args[0]} is the command); a {@link Failure} says what is wrong. */
        public static Request parse(String[] args) throws Failure {
            Path checkpoint = null;
            Path out = null;
            Dtype dtype = Dtype.F32;
            long maxShardBytes = SafeTensorsWriter.DEFAULT_MAX_SHARD_BYTES;
            for (int i = 1; i < args.length; i += 2) {
                String name = args[i];
                if (i + 1 >= args.length) {
                    throw Failure.usage(name + " needs a value");
                }
                String value = args[i + 1];
                switch (name) {
                    case "--checkpoint" -> checkpoint = Path.of(value);
                    case "--out" -> out = Path.of(value);
                    case "--dtype" -> dtype = parseDtype(value);
                    case "--max-shard-size" -> maxShardBytes = parseBytes(value);
                    default -> throw Failure.usage("unknown option " + name);
                }
            }
            if (checkpoint == null) {
                throw Failure.usage("--checkpoint DIR is required");
            }
            if (out == null) {
                throw Failure.usage("--out DIR is required");
            }
            return new Request(checkpoint, out, dtype, maxShardBytes);
        }
    }

    /** What was exported: the checkpoint actually read, and the files written into {@code out}. */
    public record Result(
            Path checkpoint, Path out, Dtype dtype, String modelType, long parameters, List<String> files) {}

    /** A reason the command cannot run, one line, and its exit status (2: the command line, 1: the export). */
    public static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        private final int exitStatus;

        private Failure(String message, int exitStatus) {
            super(message);
            this.exitStatus = exitStatus;
        }

        static Failure usage(String message) {
            return new Failure(message, 2);
        }

        static Failure export(String message) {
            return new Failure(message, 1);
        }

        public int exitStatus() {
            return exitStatus;
        }
    }

    /**
     * Runs {@code cpt export ...}: prints what was written to {@code out} and returns 0, or prints one line saying why
     * not to {@code err} (with the usage for a command-line mistake) and returns the failure's exit status.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (List.of(args).contains("--help")) {
            out.println(HELP);
            return 0;
        }
        try {
            Result r = export(Request.parse(args));
            out.printf(
                    Locale.ROOT,
                    "exported %s (%s, %,d parameters) to %s as %s: %s%n",
                    r.checkpoint(),
                    r.modelType(),
                    r.parameters(),
                    r.out(),
                    r.dtype().torchName(),
                    String.join(", ", r.files()));
            return 0;
        } catch (Failure f) {
            err.println("cpt export: " + f.getMessage());
            if (f.exitStatus() == 2) {
                err.println(USAGE);
            }
            return f.exitStatus();
        }
    }

    /**
     * Loads the checkpoint (verifying every file against its manifest) and writes the Hugging Face directory. The files
     * go to a temporary sibling of {@code out} first and are renamed into place, so a failed export leaves no
     * half-written directory behind.
     */
    public static Result export(Request request) throws Failure {
        Path checkpoint = checkpointDir(request.checkpoint());
        Path out = request.out().toAbsolutePath().normalize();
        requireWritable(out);
        try (LanguageModel model = load(checkpoint)) {
            Path tmp = null;
            try {
                Files.createDirectories(out.getParent());
                // not createTempDirectory: its mode 700 would stay on the export; this one follows the umask
                tmp = Files.createDirectory(out.resolveSibling("." + out.getFileName() + ".tmp-" + UUID.randomUUID()));
                model.exportHuggingFace(tmp, request.dtype(), request.maxShardBytes());
                if (Files.isDirectory(out)) {
                    Files.delete(out); // empty, checked above
                }
                Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) {
                if (tmp != null) {
                    FileTrees.deleteQuietly(tmp);
                }
                throw Failure.export("cannot write " + out + ": " + oneLine(e));
            }
            return new Result(
                    checkpoint,
                    out,
                    request.dtype(),
                    model.decoderConfig().modelType(),
                    model.parameterCount(),
                    fileNames(out));
        }
    }

    /** The checkpoint a {@code --checkpoint} names: itself, or the one a run directory's LATEST file names. */
    static Path checkpointDir(Path given) throws Failure {
        Path dir = given.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw Failure.export("no checkpoint at " + dir + ": it is not a directory");
        }
        if (Files.isRegularFile(dir.resolve(Manifest.FILE))) {
            return dir;
        }
        Path latest = dir.resolve(LATEST);
        if (Files.isRegularFile(latest)) {
            try {
                Path named = dir.resolve(Files.readString(latest).strip()).normalize();
                if (!named.getParent().equals(dir)) {
                    throw Failure.export(latest + " names " + named + ", which is not a checkpoint of this run");
                }
                return named;
            } catch (IOException e) {
                throw Failure.export("cannot read " + latest + ": " + oneLine(e));
            }
        }
        throw Failure.export(
                dir + " is not a checkpoint (no " + Manifest.FILE + ") nor a run directory (no " + LATEST + ")");
    }

    private static LanguageModel load(Path checkpoint) throws Failure {
        try {
            return LanguageModel.load(checkpoint);
        } catch (IOException | RuntimeException e) { // CheckpointException included
            throw Failure.export("cannot read the checkpoint " + checkpoint + ": " + oneLine(e));
        }
    }

    private static void requireWritable(Path out) throws Failure {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw Failure.export("--out " + out + " exists and is not a directory");
        }
        if (Files.isDirectory(out)) {
            try (Stream<Path> entries = Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw Failure.export("--out " + out + " exists and is not empty; choose a new directory");
                }
            } catch (IOException e) {
                throw Failure.export("cannot read --out " + out + ": " + oneLine(e));
            }
        }
    }

    static Dtype parseDtype(String name) throws Failure {
        Dtype dtype = Dtype.fromTorchName(name);
        if (dtype == null) {
            throw Failure.usage("--dtype " + name + " is not one of float32, float16, bfloat16");
        }
        return dtype;
    }

    /**
     * Bytes from {@code 5000000000}, {@code 5GB} (powers of 1000, as {@code transformers}' {@code max_shard_size}) or
     * {@code 2GiB} (powers of 1024); at least one byte.
     */
    static long parseBytes(String text) throws Failure {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            throw Failure.usage("--max-shard-size " + text + " is not a size such as 1000000, 500MB, 5GB or 2GiB");
        }
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        int power = "BKMGT".indexOf(unit.charAt(0));
        long base = unit.contains("I") ? 1024 : 1000;
        try {
            long bytes = Long.parseLong(m.group(1));
            for (int i = 0; i < power; i++) {
                bytes = Math.multiplyExact(bytes, base);
            }
            if (bytes < 1) {
                throw Failure.usage("--max-shard-size must be at least one byte, was " + text);
            }
            return bytes;
        } catch (ArithmeticException | NumberFormatException e) {
            throw Failure.usage("--max-shard-size " + text + " is too large");
        }
    }

    private static List<String> fileNames(Path dir) throws Failure {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw Failure.export("cannot list " + dir + ": " + oneLine(e));
        }
    }

    /** An exception's message on one line (a message of a nested cause may hold line breaks). */
    private static String oneLine(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replaceAll("\\s*\\R\\s*", " ");
    }
}
