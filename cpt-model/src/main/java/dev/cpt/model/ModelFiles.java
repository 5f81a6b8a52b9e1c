package dev.cpt.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cpt.common.FileTrees;
import dev.cpt.common.io.Dtype;
import dev.cpt.common.io.SafeTensorsFile;
import dev.cpt.common.io.SafeTensorsShards;
import dev.cpt.common.io.SafeTensorsWriter;
import dev.cpt.common.tokenizer.SpecialTokens;
import dev.cpt.model.CheckpointInfo.FileEntry;
import dev.cpt.model.arch.CausalDecoder;
import dev.cpt.model.io.DecoderConfigJson;
import dev.cpt.model.io.Manifest;
import dev.cpt.model.io.NativeWeights;
import dev.cpt.model.tokenizer.HuggingFaceTokenizerAdapter;
import dev.cpt.model.tokenizer.Tokenizer;
import dev.cpt.model.tokenizer.TokenizerStore;
import dev.cpt.model.train.AdamW;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * A model's files: checkpoints (weights, config, tokenizer, optimizer state and a verifying manifest) and Hugging Face
 * directories (weights, config and, for a Hugging Face tokenizer, {@code tokenizer.json}).
 */
final class ModelFiles {

    static final String WEIGHTS_FILE = "model.safetensors";
    static final String CONFIG_FILE = "config.json";
    static final String OPTIMIZER_FILE = "optimizer.safetensors";

    private static final Logger LOG = Logger.getLogger(ModelFiles.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelFiles() {}

    /** Loads a checkpoint after verifying its manifest, and pins its identity when {@code expectedSha256} is set. */
    static LanguageModel load(Path dir, String expectedSha256, Device device) throws CheckpointException {
        Manifest.Verified manifest = Manifest.verify(dir);
        if (expectedSha256 != null && !expectedSha256.equalsIgnoreCase(manifest.sha256())) {
            throw new CheckpointException(
                    "checkpoint " + dir + " has manifest sha256 " + manifest.sha256() + ", expected " + expectedSha256);
        }
        List<String> listed = manifest.files().stream().map(FileEntry::path).toList();
        for (String required : List.of(CONFIG_FILE, WEIGHTS_FILE, TokenizerStore.INFO_FILE)) {
            if (!listed.contains(required)) {
                throw new CheckpointException("checkpoint " + dir + " manifest does not list " + required);
            }
        }
        // config.json's model_type says which family the weights belong to
        DecoderConfig config = readStep(dir, CONFIG_FILE, () -> DecoderConfigJson.read(dir.resolve(CONFIG_FILE)));
        Tokenizer tokenizer = readStep(dir, TokenizerStore.INFO_FILE, () -> TokenizerStore.read(dir));
        LanguageModel model;
        try {
            model = new LanguageModel(config, tokenizer, true, () -> CausalDecoder.allocate(config, device));
        } catch (RuntimeException e) {
            closeQuietly(tokenizer);
            throw new CheckpointException("checkpoint " + dir + ": " + e.getMessage(), e);
        }
        try {
            readStep(dir, WEIGHTS_FILE, () -> {
                try (SafeTensorsShards weights = SafeTensorsShards.open(dir)) {
                    model.decoder().importWeights(weights);
                }
                return null;
            });
            NonFiniteWeightsException.check(dir, model.decoder().parameters());
            if (listed.contains(OPTIMIZER_FILE)) {
                readStep(dir, OPTIMIZER_FILE, () -> {
                    restoreOptimizer(model.decoder(), model.optimizer(), dir.resolve(OPTIMIZER_FILE));
                    return null;
                });
            }
            model.checkpointMetadata(manifest.metadata());
            return model;
        } catch (CheckpointException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Imports a Hugging Face directory with its tokenizer: {@code tokenizer.json} (BOS/EOS from the files beside it),
     * or the byte tokenizer where {@code tokenizer_info.json} names it (as this project's exports of byte-level models
     * do). A directory with neither is refused rather than read with a tokenizer it was not trained with.
     */
    static LanguageModel importHuggingFace(Path dir, Device device) throws IOException {
        Path tokFile = dir.resolve(TokenizerStore.HF_FILE);
        if (Files.isRegularFile(tokFile)) {
            HuggingFaceTokenizerAdapter tok = HuggingFaceTokenizerAdapter.load(tokFile);
            try {
                return importHuggingFace(dir, tok, true, device);
            } catch (IOException | RuntimeException e) {
                tok.close();
                throw e;
            }
        }
        if (Files.isRegularFile(dir.resolve(TokenizerStore.INFO_FILE))) {
            Tokenizer tok = TokenizerStore.read(dir);
            try {
                return importHuggingFace(dir, tok, tok instanceof AutoCloseable, device);
            } catch (IOException | RuntimeException e) {
                closeQuietly(tok);
                throw e;
            }
        }
        throw new IOException(
                tokFile + " is missing: a Hugging Face directory needs the tokenizer its model was trained" + " with ("
                        + TokenizerStore.INFO_FILE + " naming the byte tokenizer stands in for it)");
    }

    /**
     * Imports a Hugging Face directory with the given tokenizer; the model closes it only when it {@code owns} it.
     * Config and every weight file's header are checked before the model is built, the weights against the model's
     * parameters before any is replaced; on any error the model is closed and the error names the file at fault.
     */
    static LanguageModel importHuggingFace(Path dir, Tokenizer tokenizer, boolean owns, Device device)
            throws IOException {
        long start = System.nanoTime();
        DecoderConfig config = DecoderConfigJson.read(dir.resolve(CONFIG_FILE));
        tokenizer.requireFits(config.vocabSize(), dir.resolve(tokenizerFile(tokenizer)));
        try (SafeTensorsShards weights = SafeTensorsShards.open(dir)) {
            LanguageModel model =
                    new LanguageModel(config, tokenizer, owns, () -> CausalDecoder.allocate(config, device));
            try {
                model.decoder().importWeights(weights);
            } catch (IOException | RuntimeException e) {
                model.close();
                throw e instanceof IOException io ? io : new IOException(weights.source() + ": " + e.getMessage(), e);
            }
            Set<Dtype> stored = weights.dtypes();
            // a file that mixes dtypes is exported as float32, which loses nothing the model holds
            model.exportDtype(stored.size() == 1 ? stored.iterator().next() : Dtype.F32);
            LOG.info(String.format(
                    Locale.ROOT,
                    "imported %s (%s): %d tensors stored as %s in %s, held as %s (%d bytes) in %.2f s",
                    dir,
                    config.modelType(),
                    weights.tensors().size(),
                    stored,
                    weights.source().getFileName(),
                    NativeWeights.HELD,
                    model.parameterCount() * NativeWeights.HELD.getNumOfBytes(),
                    (System.nanoTime() - start) / 1e9));
            return model;
        }
    }

    /** Writes a checkpoint into a sibling temp directory and renames it to {@code dir}, which must not exist. */
    static CheckpointInfo save(
            Path dir, CausalDecoder decoder, AdamW optimizer, Tokenizer tokenizer, Map<String, String> metadata)
            throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        if (Files.exists(target)) {
            throw new FileAlreadyExistsException(target.toString(), null, "checkpoint directory already exists");
        }
        Path tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
        try {
            List<String> files = new ArrayList<>(writeModelFiles(tmp, decoder));
            SafeTensorsWriter.writeFile(
                    tmp.resolve(OPTIMIZER_FILE),
                    optimizerTensors(decoder, optimizer),
                    Dtype.F32,
                    Map.of("optimizer", "adamw", "step", Long.toString(optimizer.step())));
            files.add(OPTIMIZER_FILE);
            files.addAll(TokenizerStore.write(tokenizer, tmp));
            Map<String, String> meta = metadata == null ? Map.of() : metadata;
            Files.write(tmp.resolve(Manifest.FILE), Manifest.build(tmp, files, meta));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            // a stale temp dir is harmless, it never looks like a checkpoint; the original error matters
            FileTrees.deleteQuietly(tmp);
            throw e;
        }
        Manifest.Verified v = Manifest.verify(target);
        return new CheckpointInfo(target, v.sha256(), v.files(), v.metadata());
    }

    /**
     * Writes weights in {@code dtype}, sharded above {@code maxShardBytes}, config (with BOS/EOS ids when the tokenizer
     * has them) and the tokenizer: {@code tokenizer.json} for a Hugging Face one, and {@code tokenizer_info.json}.
     */
    static void exportHuggingFace(Path dir, CausalDecoder decoder, Tokenizer tokenizer, Dtype dtype, long maxShardBytes)
            throws IOException {
        SafeTensorsWriter.write(dir, decoder.weightSources(), dtype, maxShardBytes, Map.of("format", "pt"));
        Path config = dir.resolve(CONFIG_FILE);
        decoder.writeConfig(config);
        if (dtype != Dtype.F32) {
            statedDtype(config, dtype);
        }
        TokenizerStore.write(tokenizer, dir);
        statedSpecialTokens(config, tokenizer);
    }

    private static String tokenizerFile(Tokenizer tokenizer) {
        return tokenizer instanceof HuggingFaceTokenizerAdapter ? TokenizerStore.HF_FILE : TokenizerStore.INFO_FILE;
    }

    /** BOS/EOS ids in {@code config.json}, where {@code transformers} (and {@link SpecialTokens}) read them. */
    private static void statedSpecialTokens(Path config, Tokenizer tokenizer) throws IOException {
        if (tokenizer.bos().isEmpty() && tokenizer.eos().isEmpty()) {
            return;
        }
        ObjectNode json = (ObjectNode) JSON.readTree(config.toFile());
        tokenizer.bos().ifPresent(id -> json.put("bos_token_id", id));
        tokenizer.eos().ifPresent(id -> json.put("eos_token_id", id));
        Files.write(config, JSON.writeValueAsBytes(json));
    }

    /** A checkpoint's weights: float32, one file whatever its size, as its manifest lists it. */
    private static List<String> writeModelFiles(Path dir, CausalDecoder decoder) throws IOException {
        SafeTensorsWriter.write(dir, decoder.weightSources(), Dtype.F32, Long.MAX_VALUE, Map.of("format", "pt"));
        decoder.writeConfig(dir.resolve(CONFIG_FILE));
        return List.of(WEIGHTS_FILE, CONFIG_FILE);
    }

    /** Sets {@code torch_dtype}, which {@code transformers} loads the weights as by default, to the dtype written. */
    private static void statedDtype(Path config, Dtype dtype) throws IOException {
        ObjectNode json = (ObjectNode) JSON.readTree(config.toFile());
        json.put("torch_dtype", dtype.torchName());
        Files.write(config, JSON.writeValueAsBytes(json));
    }

    /** AdamW moments in the weights' file names and layouts, e.g. {@code h.0.attn.c_attn.weight.exp_avg}. */
    private static List<SafeTensorsWriter.Source> optimizerTensors(CausalDecoder decoder, AdamW optimizer) {
        List<SafeTensorsWriter.Source> out = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : optimizer.stateTensors().entrySet()) {
            NDArray moment = e.getValue();
            out.add(NativeWeights.source(e.getKey(), () -> moment, decoder.transposedOnDisk(parameterOf(e.getKey()))));
        }
        return out;
    }

    private static void restoreOptimizer(CausalDecoder decoder, AdamW optimizer, Path file) throws IOException {
        try (SafeTensorsFile state = SafeTensorsFile.open(file)) {
            String stepText = state.metadata().get("step");
            if (stepText == null) {
                throw new IllegalArgumentException("optimizer state has no step");
            }
            Map<String, NDArray> moments = NativeWeights.readAll(
                    state, decoder.parameters(), ModelFiles::parameterOf, decoder::transposedOnDisk, decoder.manager());
            try {
                optimizer.restore(Long.parseLong(stepText), moments);
            } catch (RuntimeException e) {
                moments.values().forEach(NDArray::close);
                throw e;
            }
        }
    }

    /** {@code h.0.attn.c_attn.weight} for the moment {@code h.0.attn.c_attn.weight.exp_avg}. */
    private static String parameterOf(String momentName) {
        return momentName.substring(0, momentName.lastIndexOf('.'));
    }

    @FunctionalInterface
    private interface IoStep<T> {
        T run() throws IOException;
    }

    private static <T> T readStep(Path dir, String file, IoStep<T> step) throws CheckpointException {
        try {
            return step.run();
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException("checkpoint " + dir + ": cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(Tokenizer tokenizer) {
        if (tokenizer instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // already failing; the original error matters more
            }
        }
    }
}
