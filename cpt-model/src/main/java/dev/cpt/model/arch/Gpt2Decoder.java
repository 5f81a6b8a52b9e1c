package dev.cpt.model.arch;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.cpt.common.io.SafeTensors.Tensor;
import dev.cpt.model.GptConfig;
import dev.cpt.model.engine.OfflineEngine;
import dev.cpt.model.io.Gpt2ConfigJson;
import dev.cpt.model.io.Gpt2Weights;
import dev.cpt.model.nn.GptBlock;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** The GPT-2 family (see {@link GptBlock}), with GPT-2's tensor names and Conv1D layouts on disk. */
public final class Gpt2Decoder implements CausalDecoder {

    private final GptConfig config;
    private final NDManager manager;
    private final GptBlock block;
    private final Map<String, Parameter> parameters;
    private final NDArray causalMask;

    /** A freshly initialised network on {@code device}, seeded (see {@link GptBlock}). */
    public Gpt2Decoder(GptConfig config, long seed, Device device) {
        this.config = config;
        this.manager = OfflineEngine.get().newBaseManager(device);
        this.block = new GptBlock(config, seed);
        block.initialize(
                manager,
                DataType.FLOAT32,
                new Shape(1, config.contextLength()),
                new Shape(config.contextLength(), config.contextLength()));
        this.parameters = block.gpt2Parameters();
        this.causalMask = block.createCausalMask(manager);
    }

    public GptConfig config() {
        return config;
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int contextLength() {
        return config.contextLength();
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public Map<String, Parameter> parameters() {
        return parameters;
    }

    @Override
    public NDArray logits(NDArray ids, boolean training) {
        long t = ids.getShape().get(1);
        NDArray mask = causalMask.get(new NDIndex(":{}, :{}", t, t));
        // a fresh store each call: it only caches references, and weights may have been replaced
        ParameterStore store = new ParameterStore(manager, false);
        return block.forward(store, new NDList(ids, mask), training).head();
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
    public Map<String, Tensor> weights() {
        return Gpt2Weights.export(parameters);
    }

    @Override
    public void loadWeights(Map<String, Tensor> tensors) {
        Gpt2Weights.load(parameters, tensors);
    }

    @Override
    public void writeConfig(Path file) throws IOException {
        Gpt2ConfigJson.write(file, config);
    }

    @Override
    public void close() {
        manager.close();
    }
}
