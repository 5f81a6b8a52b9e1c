package dev.cpt.model.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The single entry point to the PyTorch engine. It pins DJL to offline mode before the engine
 * class is first touched, so the native libraries can only come from the {@code pytorch-jni} and
 * {@code pytorch-native-*} jars on the classpath (or a user's {@code PYTORCH_LIBRARY_PATH}), never from the network.
 */
public final class OfflineEngine {

    public static final String OFFLINE_PROPERTY = "ai.djl.offline";
    public static final String ENGINE_NAME = "PyTorch";

    private static final Pattern FLAVOR_IN_DIRECTORY = Pattern.compile("-(cpu|cu\\d+)-");
    private static final Logger LOG = Logger.getLogger(OfflineEngine.class.getName());

    private OfflineEngine() {}

    /**
     * Returns the PyTorch engine, loading it offline on first use. An explicit {@code
     * -Dai.djl.offline=false} is respected (for example to let a GPU user fetch a CUDA build once)
     * but logged, because nothing in this module expects the network.
     */
    public static synchronized Engine get() {
        ensureOffline();
        return Engine.getEngine(ENGINE_NAME);
    }

    /** Sets {@code ai.djl.offline=true} unless the caller already decided. */
    public static void ensureOffline() {
        String current = System.getProperty(OFFLINE_PROPERTY);
        if (current == null) {
            System.setProperty(OFFLINE_PROPERTY, "true");
        } else if (!Boolean.parseBoolean(current)) {
            LOG.warning("ai.djl.offline=" + current + ": DJL may download native libraries");
        }
    }

    /**
     * As {@link #ensureOffline()}, with libtorch running {@code threads} intra-op threads and one inter-op thread, as
     * benchmarks want for figures that compare across runs. Must run before the engine loads: libtorch reads them once.
     */
    public static void ensureOffline(int threads) {
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        ensureOffline();
    }

    /** libtorch version reported by the loaded engine, e.g. {@code 2.7.1}. */
    public static String version() {
        return get().getVersion();
    }

    /**
     * The build of the loaded libtorch: {@code cpu}, or the CUDA build it was compiled against ({@code cu124}, ...),
     * as the directory DJL extracted it to names it; {@code cuda} for a CUDA libtorch that a user pointed {@code
     * PYTORCH_LIBRARY_PATH} at, whose directory says nothing.
     */
    public static String flavor() {
        get();
        return flavor(Path.of(LibUtils.getLibtorchPath()));
    }

    static String flavor(Path libtorch) {
        // DJL's cache directory: <version>-<build>-<flavor>-<classifier>, e.g. 2.7.1-20250516-cpu-linux-x86_64
        Matcher named = FLAVOR_IN_DIRECTORY.matcher(libtorch.getFileName().toString());
        if (named.find()) {
            return named.group(1);
        }
        return Files.exists(libtorch.resolve("libtorch_cuda.so")) ? "cuda" : "cpu";
    }

    /** Intra-op threads libtorch uses (thread-pool wide). */
    public static int threads() {
        get();
        return JniUtils.getNumThreads();
    }

    /**
     * Disables autograd on the calling thread for the lifetime of the returned handle. Grad mode
     * is thread-local in libtorch and DJL only turns it off on the thread that loaded the engine,
     * so every no-grad path must say so itself or it silently records a graph.
     */
    public static NoGrad noGrad() {
        get();
        return new NoGrad(JniUtils.isGradMode());
    }

    /** Restores the previous grad mode on close. */
    public static final class NoGrad implements AutoCloseable {
        private final boolean previous;

        private NoGrad(boolean previous) {
            this.previous = previous;
            JniUtils.setGradMode(false);
        }

        @Override
        public void close() {
            JniUtils.setGradMode(previous);
        }
    }
}
