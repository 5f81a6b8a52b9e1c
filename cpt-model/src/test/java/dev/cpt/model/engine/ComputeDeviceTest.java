package dev.cpt.model.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.LlamaConfig;
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
