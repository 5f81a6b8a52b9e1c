package dev.cpt.model.arch;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.cpt.common.io.SafeTensors.Tensor;
import dev.cpt.model.GptConfig;
import dev.cpt.model.io.Gpt2ConfigJson;
import dev.cpt.model.io.Gpt2Weights;
import dev.cpt.model.nn.GptBlock;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** The GPT-2 family (see {@link GptBlock}), with GPT-2's tensor names and Conv1D layouts on disk. */
public final class Gpt2Decoder extends BaseDecoder<GptConfig> {

    private final GptBlock block;
    private final Map<String, Parameter> parameters;
    private final NDArray causalMask;

    /** A freshly initialised network on {@code device}, seeded (see {@link GptBlock}). */
    public Gpt2Decoder(GptConfig config, long seed, Device device) {
        super(config, device);
        this.block = new GptBlock(config, seed);
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
    public Tensor toFileLayout(String name, NDArray array) {
        return Gpt2Weights.toGpt2(name, array);
    }

    @Override
    public float[] fromFileLayout(String name, Tensor tensor, Shape shape) {
        return Gpt2Weights.fromGpt2(name, tensor, shape);
    }

    @Override
    protected Map<String, Tensor> parametersOf(Map<String, Tensor> file) {
        return Gpt2Weights.normalise(file);
    }

    @Override
    public void writeConfig(Path file) throws IOException {
        Gpt2ConfigJson.write(file, config);
    }
}
