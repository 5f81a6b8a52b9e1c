package dev.cpt.model.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.LlamaConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

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
}
