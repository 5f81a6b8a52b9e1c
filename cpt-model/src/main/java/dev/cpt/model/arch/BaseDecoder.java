package dev.cpt.model.arch;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.cpt.common.io.SafeTensors.Tensor;
import dev.cpt.model.DecoderConfig;
import dev.cpt.model.engine.OfflineEngine;
import dev.cpt.model.io.ParameterTensors;
import java.util.Map;

/**
 * What every family's decoder holds the same way: its config, the manager that owns its weights, and weights that
 * travel to and from files one named parameter at a time through the family's {@link #toFileLayout} and
 * {@link #fromFileLayout}.
 */
abstract class BaseDecoder<C extends DecoderConfig> implements CausalDecoder {

    protected final C config;
    protected final NDManager manager;

    BaseDecoder(C config, Device device) {
        this.config = config;
        this.manager = OfflineEngine.get().newBaseManager(device);
    }

    public C config() {
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

    /** The parameters a file's tensors hold, under the parameters' names, without buffers or duplicates. */
    protected abstract Map<String, Tensor> parametersOf(Map<String, Tensor> file);

    @Override
    public Map<String, Tensor> weights() {
        return ParameterTensors.export(parameters(), this::toFileLayout);
    }

    @Override
    public void loadWeights(Map<String, Tensor> tensors) {
        ParameterTensors.load(parameters(), parametersOf(tensors), this::fromFileLayout);
    }

    /** A fresh store for each forward pass: it only caches references, and weights may have been replaced. */
    protected ParameterStore parameterStore() {
        return new ParameterStore(manager, false);
    }

    @Override
    public void close() {
        manager.close();
    }
}
