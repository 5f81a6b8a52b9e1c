package dev.cpt.model.arch;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.cpt.common.io.SafeTensors.Tensor;
import dev.cpt.model.LlamaConfig;
import dev.cpt.model.io.FileBinding;
import dev.cpt.model.io.LlamaConfigJson;
import dev.cpt.model.io.LlamaWeights;
import dev.cpt.model.io.ParameterTensors;
import dev.cpt.model.nn.CausalSelfAttention;
import dev.cpt.model.nn.KvCache;
import dev.cpt.model.nn.LlamaNetwork;
import dev.cpt.model.nn.RotaryEmbedding;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;

/**
 * The Llama family ({@code llama}, {@code qwen2}, {@code mistral}; see {@link LlamaNetwork}) under Hugging Face's
 * tensor names and layouts, which are also the model's own.
 */
public final class LlamaDecoder extends BaseDecoder<LlamaConfig> {

    /** Smallest causal mask kept; it doubles as longer inputs arrive, up to the context length. */
    private static final int MIN_MASK = 64;

    private final LlamaNetwork network;
    private final Map<String, Parameter> parameters;
    private final RotaryEmbedding rotary;
    // Grown on demand rather than built for the whole context: max_position_embeddings of real models (32k-128k)
    // would make a full [T, T] mask gigabytes.
    private NDArray causalMask;

    /** A freshly initialised network on {@code device}, seeded (see {@link LlamaNetwork}). */
    public LlamaDecoder(LlamaConfig config, long seed, Device device) {
        this(config, seed, device, false);
    }

    /** Weights allocated, not initialised (see {@link CausalDecoder#allocate}). */
    LlamaDecoder(LlamaConfig config, Device device) {
        this(config, 0L, device, true);
    }

    private LlamaDecoder(LlamaConfig config, long seed, Device device, boolean uninitialised) {
        super(config, device);
        this.network = new LlamaNetwork(config, seed);
        if (uninitialised) {
            network.setInitializer(UNINITIALISED, p -> true);
        }
        Shape positions = new Shape(1, 1);
        Shape table = new Shape(1, config.headDim());
        network.initialize(manager, DataType.FLOAT32, positions, positions, table, table);
        this.parameters = network.huggingFaceParameters();
        this.rotary = new RotaryEmbedding(manager, config.inverseFrequencies());
    }

    @Override
    public Map<String, Parameter> parameters() {
        return parameters;
    }

    @Override
    public NDArray logits(NDArray ids, boolean training) {
        long t = ids.getShape().get(1);
        // the rotary tables are per-call temporaries, in the caller's manager like the ids
        NDList tables = rotary.tables(ids.getManager(), t);
        NDList inputs = new NDList(ids, causalMask(t).get(new NDIndex(":{}, :{}", t, t)));
        inputs.addAll(tables);
        return network.forward(parameterStore(), inputs, training).head();
    }

    @Override
    public KvCache newCache(NDManager cacheManager, int rows, int capacity) {
        return network.newCache(cacheManager, rows, Math.min(capacity, config.contextLength()));
    }

    @Override
    protected NDArray decode(NDArray ids, long start, long t, KvCache cache) {
        // rotary tables of the new tokens' absolute positions, so cached and new keys are rotated where they stand
        NDList tables = rotary.tables(ids.getManager(), start, t);
        NDArray mask = newRows(causalMask(start + t), start, t);
        return network.decode(parameterStore(), ids, mask, tables.get(0), tables.get(1), cache);
    }

    private NDArray causalMask(long t) {
        if (causalMask == null || causalMask.getShape().get(0) < t) {
            int size = MIN_MASK;
            while (size < t) {
                size *= 2;
            }
            if (causalMask != null) {
                causalMask.close();
            }
            causalMask = CausalSelfAttention.causalMask(manager, Math.min(size, config.contextLength()));
            // it lives as long as the model, not as long as the NDScope of the call that happened to need it
            NDScope.unregister(causalMask);
        }
        return causalMask;
    }

    @Override
    public Tensor toFileLayout(String name, NDArray array) {
        return ParameterTensors.asIs(array);
    }

    @Override
    protected FileBinding bind(Collection<String> fileTensors) {
        return LlamaWeights.bind(fileTensors, config.tieWordEmbeddings());
    }

    @Override
    public void writeConfig(Path file) throws IOException {
        LlamaConfigJson.write(file, config);
    }
}
