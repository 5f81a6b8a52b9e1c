package dev.cpt.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.model.ModelPreset;
import dev.cpt.model.engine.ComputeDevice;
import org.junit.jupiter.api.Test;

/** The demo's model and device options: a wrong name is refused with the valid ones before anything starts. */
class MainTest {

    @Test
    void demoModelsAreNamedByTheirPreset() {
        assertEquals(ModelPreset.llamaDemo3M, Main.demoModel("llamaDemo3M"));
        assertEquals(ModelPreset.small1M, Main.DEFAULT_MODEL);
    }

    @Test
    void aBenchmarkShapeOrAnUnknownNameIsNotADemoModel() {
        for (String name : new String[] {"smolLm2Shape135M", "nosuch"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Main.demoModel(name));
            assertTrue(
                    e.getMessage().contains(name) && e.getMessage().contains("llamaDemo3M, llamaDemo10M"),
                    e.getMessage());
        }
    }

    @Test
    void anUnknownDeviceIsRefusedWithTheValidOnes() {
        assertEquals(ComputeDevice.cpu, Main.device("cpu"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Main.device("tpu"));
        assertEquals("--device tpu is not a device; one of auto, cpu, gpu", e.getMessage());
    }
}
