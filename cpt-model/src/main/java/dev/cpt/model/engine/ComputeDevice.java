package dev.cpt.model.engine;

import ai.djl.Device;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import java.util.stream.IntStream;

/**
 * Where a service runs its models, as its {@code cpt.<service>.device} setting says: the one mapping from that setting
 * to a DJL {@link Device}, shared by the trainer, eval and reward services.
 *
 * <ul>
 *   <li>{@code auto}: the first GPU when the PyTorch engine finds a CUDA device, else the CPU;
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
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    /**
     * The device this setting names on this machine; {@code setting} is its property name, for messages. The first
     * resolution of each setting logs the device with the libtorch version and build that will run it, so a service's
     * log says whether it trains on the GPU it was given.
     */
    public Device resolve(String setting) {
        int gpus = this == cpu ? 0 : OfflineEngine.get().getGpuCount();
        Device device = select(gpus, setting);
        if (LOGGED.add(setting)) {
            LOG.info(describe(setting, device, gpus, OfflineEngine.version(), OfflineEngine.flavor()));
        }
        return device;
    }

    /**
     * The devices of {@code count} data-parallel replicas ({@code countSetting}, see {@code dev.cpt.model.DataParallel})
     * on this machine; one replica is {@link #resolve}'s device.
     */
    public List<Device> resolve(String setting, int count, String countSetting) {
        if (count == 1) {
            return List.of(resolve(setting));
        }
        return select(this == cpu ? 0 : OfflineEngine.get().getGpuCount(), count, setting, countSetting);
    }

    /**
     * The devices of {@code count} replicas where the engine sees {@code gpus} CUDA devices: the first {@code count}
     * GPUs for {@code auto} and {@code gpu}, refused with an {@link IllegalStateException} naming both settings when
     * fewer are visible (more replicas than GPUs would share one and gain nothing); {@code count} CPU replicas for
     * {@code cpu}, which exercise the data-parallel path but share the same cores, so they are never faster than one.
     */
    public List<Device> select(int gpus, int count, String setting, String countSetting) {
        if (count < 1) {
            throw new IllegalArgumentException(countSetting + " must be at least 1, got " + count);
        }
        if (count == 1) {
            return List.of(select(gpus, setting));
        }
        if (this == cpu) {
            return Collections.nCopies(count, Device.cpu());
        }
        if (gpus < count) {
            throw new IllegalStateException(countSetting + "=" + count + " asks for " + count + " GPUs but the PyTorch"
                    + " engine finds " + gpus + ": set " + countSetting + " to at most " + Math.max(gpus, 1)
                    + ", or " + setting + "=cpu to check the replicas on the CPU (no faster than one)");
        }
        return IntStream.range(0, count).mapToObj(Device::gpu).toList();
    }

    /** The log line of a resolution: setting, device, libtorch version and build, and why when auto fell back. */
    String describe(String setting, Device device, int gpus, String version, String flavor) {
        String engine = "libtorch " + version + ", " + flavor + " build";
        if (this == auto && gpus == 0) {
            return setting + "=auto: the PyTorch engine (" + engine + ") finds no CUDA device, models run on the CPU";
        }
        String seen = this == cpu ? "" : ", " + gpus + " CUDA device" + (gpus == 1 ? "" : "s") + " visible";
        return setting + "=" + name() + ": models run on " + device + " (" + engine + seen + ")";
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
