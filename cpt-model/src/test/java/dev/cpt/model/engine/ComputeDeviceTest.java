package dev.cpt.model.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.LlamaConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComputeDeviceTest {
    private static final String SETTING = "cpt.test.device";

    @Test
    void cpuIsTheCpuWhateverGpusThereAre() {
        assertEquals(Device.cpu(), ComputeDevice.cpu.select(0, SETTING));
        assertEquals(Device.cpu(), ComputeDevice.cpu.select(2, SETTING));
    }

    @Test
    void autoTakesTheFirstGpuWhenThereIsOneElseTheCpu() {
        assertEquals(Device.gpu(), ComputeDevice.auto.select(2, SETTING));
        assertEquals(Device.cpu(), ComputeDevice.auto.select(0, SETTING));
    }

    @Test
    void gpuWithoutAGpuRefusesAndNamesTheSettingAndTheWayOut() {
        assertEquals(Device.gpu(), ComputeDevice.gpu.select(1, SETTING));
        var e = assertThrows(IllegalStateException.class, () -> ComputeDevice.gpu.select(0, SETTING));
        assertTrue(e.getMessage().contains(SETTING + "=gpu"), e.getMessage());
        assertTrue(e.getMessage().contains("auto or cpu"), e.getMessage());
    }

    @Test
    void replicasTakeTheFirstGpusAndRefuseWhenThereAreFewer() {
        String count = "cpt.test.replicas";
        assertEquals(List.of(Device.gpu(0), Device.gpu(1)), ComputeDevice.auto.select(4, 2, SETTING, count));
        assertEquals(List.of(Device.gpu(0), Device.gpu(1)), ComputeDevice.gpu.select(2, 2, SETTING, count));
        assertEquals(List.of(Device.cpu(), Device.cpu()), ComputeDevice.cpu.select(4, 2, SETTING, count));
        assertEquals(List.of(Device.cpu()), ComputeDevice.auto.select(0, 1, SETTING, count));
        var fewer = assertThrows(IllegalStateException.class, () -> ComputeDevice.auto.select(1, 2, SETTING, count));
        assertTrue(fewer.getMessage().contains(count + "=2 asks for 2 GPUs"), fewer.getMessage());
        assertTrue(fewer.getMessage().contains("finds 1"), fewer.getMessage());
        assertThrows(IllegalStateException.class, () -> ComputeDevice.gpu.select(0, 2, SETTING, count));
        assertThrows(IllegalArgumentException.class, () -> ComputeDevice.cpu.select(0, 0, SETTING, count));
    }

    @Test
    void theResolvedDeviceIsTheOneTheModelLivesOn() {
        // on this machine's engine: auto is the CPU exactly when libtorch sees no CUDA device
        Device expected = OfflineEngine.get().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
        try (LanguageModel model =
                LanguageModel.create(LlamaConfig.tiny(256), 1, ComputeDevice.auto.resolve(SETTING))) {
            assertEquals(expected, model.device());
        }
        try (LanguageModel model = LanguageModel.create(LlamaConfig.tiny(256), 1, ComputeDevice.cpu.resolve(SETTING))) {
            assertEquals(Device.cpu(), model.device());
        }
    }

    @Test
    void gpuResolvedOnAMachineWithoutOneFailsBeforeAnyModelIsBuilt() {
        assumeTrue(OfflineEngine.get().getGpuCount() == 0, "this engine sees a GPU");
        assertThrows(IllegalStateException.class, () -> ComputeDevice.gpu.resolve(SETTING));
    }

    @Test
    void theLogLineNamesDeviceLibtorchAndBuildAndSaysWhyAutoFellBack() {
        String fallback = ComputeDevice.auto.describe(SETTING, Device.cpu(), 0, "2.7.1", "cpu");
        assertEquals(
                SETTING + "=auto: the PyTorch engine (libtorch 2.7.1, cpu build) finds no CUDA device, models run on"
                        + " the CPU",
                fallback);
        String gpu = ComputeDevice.auto.describe(SETTING, Device.gpu(), 2, "2.5.1", "cu124");
        assertEquals(
                SETTING + "=auto: models run on " + Device.gpu() + " (libtorch 2.5.1, cu124 build, 2 CUDA devices"
                        + " visible)",
                gpu);
        String cpu = ComputeDevice.cpu.describe(SETTING, Device.cpu(), 0, "2.5.1", "cu124");
        assertEquals(SETTING + "=cpu: models run on " + Device.cpu() + " (libtorch 2.5.1, cu124 build)", cpu);
    }

    @Test
    void theBuildIsReadFromDjlsDirectoryNameElseFromTheLibrariesInIt(@TempDir Path dir) throws Exception {
        assertEquals("cpu", OfflineEngine.flavor(Path.of("/cache/pytorch/2.7.1-20250516-cpu-linux-x86_64")));
        assertEquals("cu124", OfflineEngine.flavor(Path.of("/cache/pytorch/2.5.1-20241203-cu124-linux-x86_64")));
        // a user's PYTORCH_LIBRARY_PATH: only the libraries tell
        Path libtorch = Files.createDirectories(dir.resolve("libtorch/lib"));
        assertEquals("cpu", OfflineEngine.flavor(libtorch));
        Files.createFile(libtorch.resolve("libtorch_cuda.so"));
        assertEquals("cuda", OfflineEngine.flavor(libtorch));
    }

    @Test
    void resolvingLogsTheDeviceOnceForEachSetting() {
        List<String> lines = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                lines.add(r.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger log = Logger.getLogger(ComputeDevice.class.getName());
        log.addHandler(capture);
        try {
            String setting = "cpt.test.logged-device";
            Device first = ComputeDevice.auto.resolve(setting);
            ComputeDevice.auto.resolve(setting);
            int gpus = OfflineEngine.get().getGpuCount();
            assertEquals(
                    List.of(ComputeDevice.auto.describe(
                            setting, first, gpus, OfflineEngine.version(), OfflineEngine.flavor())),
                    lines);
        } finally {
            log.removeHandler(capture);
        }
    }
}
