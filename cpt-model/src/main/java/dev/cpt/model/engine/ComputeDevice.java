package dev.cpt.model.engine;

import ai.djl.Device;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Where a service runs its models, as its {@code cpt.<service>.device} setting says: the one mapping from that setting
 * to a DJL {@link Device}, shared by the trainer, eval and reward services.
 *
 * <ul>
 *   <li>{@code auto}: the first GPU when the PyTorch engine finds a CUDA device, else the CPU, which is logged once per
 *       setting;
 *   <li>{@code cpu}: the CPU;
 *   <li>{@code gpu}: the first GPU. Without one (the CPU build of libtorch, or no GPU visible) resolving fails with an
 *       {@link IllegalStateException} naming the setting, so a service asked for a GPU refuses to start instead of
 *       training on the CPU at a fraction of the expected speed.
 * </ul>
 */
public enum ComputeDevice {
    auto,
    cpu,
    gpu;

    private static final Logger LOG = Logger.getLogger(ComputeDevice.class.getName());
    private static final Set<String> FALLBACKS_LOGGED = ConcurrentHashMap.newKeySet();

    /** The device this setting names on this machine; {@code setting} is its property name, for messages. */
    public Device resolve(String setting) {
        int gpus = this == cpu ? 0 : OfflineEngine.get().getGpuCount();
        Device device = select(gpus, setting);
        if (this == auto && gpus == 0 && FALLBACKS_LOGGED.add(setting)) {
            LOG.info(setting + "=auto: the PyTorch engine (libtorch " + OfflineEngine.version()
                    + ") finds no CUDA device, models run on the CPU");
        }
        return device;
    }

    /** The device this setting names on a machine where the engine sees {@code gpus} CUDA devices. */
    public Device select(int gpus, String setting) {
        return switch (this) {
            case cpu -> Device.cpu();
            case auto -> gpus > 0 ? Device.gpu() : Device.cpu();
            case gpu -> {
                if (gpus == 0) {
                    throw new IllegalStateException(setting + "=gpu, but the PyTorch engine finds no CUDA device (its"
                            + " native library is the CPU build, or no GPU is visible): set " + setting
                            + " to auto or cpu, or put the CUDA build of libtorch on the class path");
                }
                yield Device.gpu();
            }
        };
    }
}
