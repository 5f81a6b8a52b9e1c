package dev.cpt.model.arch;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.cpt.common.io.SafeTensors.Tensor;
import dev.cpt.model.GptConfig;
import dev.cpt.model.io.FileBinding;
import dev.cpt.model.io.Gpt2ConfigJson;
import dev.cpt.model.io.Gpt2Weights;
import dev.cpt.model.nn.GptBlock;
import dev.cpt.model.nn.KvCache;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;

/** The GPT-2 family (see {@link GptBlock}), with GPT-2's tensor names and Conv1D layouts on disk. */
public final class Gpt2Decoder extends BaseDecoder<GptConfig> {

    private final GptBlock block;
    private final Map<String, Parameter> parameters;
    private final NDArray causalMask;

    /** A freshly initialised network on {@code device}, seeded (see {@link GptBlock}). */
    public Gpt2Decoder(GptConfig config, long seed, Device device) {
        this(config, seed, device, false);
    }

    /** Weights allocated, not initialised (see {@link CausalDecoder#allocate}). */
    Gpt2Decoder(GptConfig config, Device device) {
        this(config, 0L, device, true);
    }

    private Gpt2Decoder(GptConfig config, long seed, Device device, boolean uninitialised) {
        super(config, device);
        this.block = new GptBlock(config, seed);
        if (uninitialised) {
            block.setInitializer(UNINITIALISED, p -> true);
        }
        block.initialize(
                manager,
                DataType.FLOAT32,
                new Shape(1, config.contextLength()),
                new Shape(config.contextLength(), config.contextLength()));
        this.parameters = block.gpt2Parameters();
        this.causalMask = block.createCausalMask(manager);
    }

    @Override
    public Map<String, Parameter> parameters() {
        return parameters;
    }

    @Override
    public NDArray logits(NDArray ids, boolean training) {
        long t = ids.getShape().get(1);
        NDArray mask = causalMask.get(new NDIndex(":{}, :{}", t, t));
        return block.forward(parameterStore(), new NDList(ids, mask), training).head();
    }

    @Override
    public KvCache newCache(NDManager cacheManager, int rows, int capacity) {
        return block.newCache(cacheManager, rows, Math.min(capacity, config.contextLength()));
    }

    @Override
    protected NDArray decode(NDArray ids, long start, long t, KvCache cache) {
        return block.decode(parameterStore(), ids, newRows(causalMask, start, t), cache);
    }

    @Override
    public Tensor toFileLayout(String name, NDArray array) {
        return Gpt2Weights.toGpt2(name, array);
    }

    @Override
    protected FileBinding bind(Collection<String> fileTensors) {
        return Gpt2Weights.bind(fileTensors);
    }

    @Override
    public boolean transposedOnDisk(String parameter) {
        return Gpt2Weights.isConv1DWeight(parameter);
    }

    @Override
    public void writeConfig(Path file) throws IOException {
        Gpt2ConfigJson.write(file, config);
    }
}
