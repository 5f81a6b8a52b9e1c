package dev.cpt.trainer;

import ai.djl.Device;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.io.Manifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The weights a new run continues from: a checkpoint of this project (verified against its manifest) or a Hugging
 * Face GPT-2 directory ({@code model.safetensors} + {@code config.json}, with its {@code tokenizer.json} if present).
 */
final class BaseModel {
    private BaseModel() {}

    static LanguageModel load(Path dir, Device device) {
        try {
            if (Files.isRegularFile(dir.resolve(Manifest.FILE))) {
                return LanguageModel.load(dir, null, device);
            }
            if (Files.isRegularFile(dir.resolve(LanguageModel.WEIGHTS_FILE))
                    && Files.isRegularFile(dir.resolve(LanguageModel.CONFIG_FILE))) {
                return LanguageModel.importHuggingFace(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the base model from " + dir + ": " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("the base model directory " + dir + " holds neither a checkpoint ("
                + Manifest.FILE + ") nor a Hugging Face layout (" + LanguageModel.WEIGHTS_FILE + " + "
                + LanguageModel.CONFIG_FILE + ")");
    }
}
