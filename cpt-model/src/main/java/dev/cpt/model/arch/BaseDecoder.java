package dev.cpt.model.arch;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import dev.cpt.common.io.SafeTensors.Tensor;
import dev.cpt.common.io.SafeTensorsShards;
import dev.cpt.common.io.SafeTensorsWriter;
import dev.cpt.model.DecoderConfig;
import dev.cpt.model.Precision;
import dev.cpt.model.engine.OfflineEngine;
import dev.cpt.model.io.FileBinding;
import dev.cpt.model.io.NativeWeights;
import dev.cpt.model.io.ParameterTensors;
import dev.cpt.model.nn.KvCache;
import dev.cpt.model.nn.PrecisionStore;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What every family's decoder holds the same way: its config, the manager that owns its weights, and weights that
 * travel to and from files one named parameter at a time in the family's file names ({@link #bind}) and layouts
 * ({@link #transposedOnDisk}).
 */
abstract class BaseDecoder<C extends DecoderConfig> implements CausalDecoder {

    protected final C config;
    protected final NDManager manager;
    private volatile Precision precision = Precision.FLOAT32;

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

    /** Allocated but not initialised: every value is about to be overwritten by an import. */
    protected static final Initializer UNINITIALISED = (manager, shape, dataType) -> manager.create(shape, dataType);

    /** How a file's tensor names fill this family's parameters. */
    protected abstract FileBinding bind(Collection<String> fileTensors);

    @Override
    public boolean transposedOnDisk(String parameter) {
        return false;
    }

    @Override
    public Map<String, Tensor> weights() {
        return ParameterTensors.export(parameters(), this::toFileLayout);
    }

    @Override
    public void importWeights(SafeTensorsShards file) throws IOException {
        NativeWeights.load(parameters(), file, bind(file.tensors().keySet()), this::transposedOnDisk);
    }

    @Override
    public List<SafeTensorsWriter.Source> weightSources() {
        return NativeWeights.sources(parameters(), this::transposedOnDisk);
    }

    /** A fresh store for each forward pass: it only caches references, and weights may have been replaced. */
    @Override
    public final NDArray decode(NDArray ids, KvCache cache) {
        long t = ids.getShape().get(1);
        NDArray logits = decode(ids, cache.length(), t, cache);
        cache.advance((int) t);
        return logits;
    }

    /** Logits [B, T, V] of the {@code t} new positions from {@code start} on, their keys and values joining the cache. */
    protected abstract NDArray decode(NDArray ids, long start, long t, KvCache cache);

    /**
     * The rows of a causal mask for new positions [start, start + t) over every position so far, from {@code mask}
     * (a mask of at least {@code start + t} positions); null for one new position, which sees them all.
     */
    protected static NDArray newRows(NDArray mask, long start, long t) {
        return t == 1 ? null : mask.get(new NDIndex("{}:{}, :{}", start, start + t, start + t));
    }

    protected ParameterStore parameterStore() {
        return new PrecisionStore(manager, precision);
    }

    @Override
    public void precision(Precision precision) {
        this.precision = Objects.requireNonNull(precision, "precision");
    }

    @Override
    public Precision precision() {
        return precision;
    }

    @Override
    public void close() {
        manager.close();
    }
}
