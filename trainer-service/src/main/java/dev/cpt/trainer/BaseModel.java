package dev.cpt.trainer;

import ai.djl.Device;
import dev.cpt.common.io.SafeTensorsShards;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.io.Manifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The weights a new run continues from: a checkpoint of this project (verified against its manifest) or a Hugging
 * Face directory of a supported family ({@code config.json} with its {@code model_type}: GPT-2, Llama, Qwen2,
 * Mistral) whose weights are one {@code model.safetensors} or the shards {@code model.safetensors.index.json} lists,
 * with its {@code tokenizer.json} (or {@code tokenizer_info.json} naming the byte tokenizer).
 */
final class BaseModel {
    private BaseModel() {}

    static LanguageModel load(Path dir, Device device) {
        try {
            if (Files.isRegularFile(dir.resolve(Manifest.FILE))) {
                return LanguageModel.load(dir, null, device);
            }
            if (Files.isRegularFile(dir.resolve(LanguageModel.CONFIG_FILE)) && holdsWeights(dir)) {
                return LanguageModel.importHuggingFace(dir, device);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the base model from " + dir + ": " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("the base model directory " + dir + " holds neither a checkpoint ("
                + Manifest.FILE + ") nor a Hugging Face layout (" + LanguageModel.CONFIG_FILE + " + "
                + SafeTensorsShards.SINGLE_FILE + " or " + SafeTensorsShards.INDEX_FILE + ")");
    }

    private static boolean holdsWeights(Path dir) {
        return Files.isRegularFile(dir.resolve(SafeTensorsShards.SINGLE_FILE))
                || Files.isRegularFile(dir.resolve(SafeTensorsShards.INDEX_FILE));
    }
}
