package dev.cpt.model.arch;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.cpt.common.io.SafeTensors.Tensor;
import dev.cpt.common.io.SafeTensorsShards;
import dev.cpt.common.io.SafeTensorsWriter;
import dev.cpt.model.DecoderConfig;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LlamaConfig;
import dev.cpt.model.Precision;
import dev.cpt.model.nn.KvCache;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One architecture family of decoder-only causal language models: the network, its weights and their Hugging Face
 * file layout. Training, scoring, generation and checkpoints are written against this interface, so a new family
 * only has to say how it is built, how it runs forward and how its tensors are named and laid out on disk.
 *
 * <p>The decoder owns a long-lived {@link NDManager} that holds its weights; callers allocate per-call temporaries in
 * sub-managers of it. Not thread-safe.
 */
public interface CausalDecoder extends AutoCloseable {

    /** A freshly initialised decoder of the family {@code config} describes, seeded, on {@code device}. */
    static CausalDecoder create(DecoderConfig config, long seed, Device device) {
        if (config instanceof GptConfig gpt) {
            return new Gpt2Decoder(gpt, seed, device);
        }
        if (config instanceof LlamaConfig llama) {
            return new LlamaDecoder(llama, seed, device);
        }
        throw new IllegalArgumentException("no decoder for " + config);
    }

    /**
     * A decoder whose weights are allocated but hold whatever the memory held, for an import that overwrites every
     * one of them: drawing random weights first would cost time and touch every page for nothing.
     */
    static CausalDecoder allocate(DecoderConfig config, Device device) {
        if (config instanceof GptConfig gpt) {
            return new Gpt2Decoder(gpt, device);
        }
        if (config instanceof LlamaConfig llama) {
            return new LlamaDecoder(llama, device);
        }
        throw new IllegalArgumentException("no decoder for " + config);
    }

    /** Number of token ids the embedding table holds. */
    int vocabSize();

    /** Most positions one forward pass can see. */
    int contextLength();

    /** The manager that owns the weights (and anything else that lives as long as the model). */
    NDManager manager();

    /** Every trainable parameter under its Hugging Face tensor name, in a stable order. */
    Map<String, Parameter> parameters();

    /** Logits [B, T, V] for token ids [B, T] (int64, T at most {@link #contextLength()}). */
    NDArray logits(NDArray ids, boolean training);

    /** Sets the precision of every forward pass from now on (float32 until set); the weights stay float32. */
    void precision(Precision precision);

    /** The precision forward passes run at. */
    Precision precision();

    /**
     * An empty key/value cache for {@code rows} sequences of up to {@code capacity} positions (at most {@link
     * #contextLength()}), in {@code manager}, for {@link #decode}.
     */
    KvCache newCache(NDManager manager, int rows, int capacity);

    /**
     * Logits [B, V] of the last of the new token ids [B, T] (int64), fed at positions {@code cache.length()} onwards
     * with attention over every cached position; their keys and values join the cache, which then holds T more. The
     * same logits as {@link #logits} gives at that position for the whole sequence so far, without re-running it. For
     * generation only: no gradients are recorded.
     */
    NDArray decode(NDArray ids, KvCache cache);

    /** Converts one model-layout tensor, named like its parameter, to the file layout. */
    Tensor toFileLayout(String name, NDArray array);

    /** A copy of every weight in the file's names and layouts. */
    Map<String, Tensor> weights();

    /**
     * Replaces every weight from a Hugging Face file set of any size, tensor by tensor in native memory, after checking
     * the whole set against the parameters (see {@link dev.cpt.model.io.NativeWeights}).
     */
    void importWeights(SafeTensorsShards file) throws IOException;

    /** Whether a parameter is stored transposed in the family's files (GPT-2's Conv1D weights). */
    boolean transposedOnDisk(String parameter);

    /** Every weight as a tensor to write in the file's names and layouts, read from the model when written. */
    List<SafeTensorsWriter.Source> weightSources();

    /** Writes the Hugging Face {@code config.json} that describes this network. */
    void writeConfig(Path file) throws IOException;

    /** Frees the weights and everything else under {@link #manager()}. */
    @Override
    void close();
}
