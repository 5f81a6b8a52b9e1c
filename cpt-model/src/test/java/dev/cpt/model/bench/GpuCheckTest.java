package dev.cpt.model.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.cpt.model.Precision;
import dev.cpt.model.engine.OfflineEngine;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The smoke mode of the GPU check, which any machine runs in seconds. */
class GpuCheckTest {

    @Test
    void theCpuSmokeRunNamesTheEngineAndPrintsEveryFigure() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        GpuCheck.Report report = GpuCheck.run(
                new String[] {"--device", "cpu", "--peak-fp16-tflops", "1", "--peak-fp32-tflops", "0.5"},
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String printed = bytes.toString(StandardCharsets.UTF_8);

        assertEquals(Device.cpu(), report.device());
        assertEquals(OfflineEngine.flavor(), report.flavor());
        assertTrue(
                printed.contains("libtorch " + OfflineEngine.version() + ", " + report.flavor() + " build"), printed);
        assertEquals(
                List.of("train/FLOAT32", "train/FP16", "generate/FLOAT32"),
                report.figures().stream()
                        .map(f -> f.check() + "/" + f.precision())
                        .toList());
        for (GpuCheck.Figure f : report.figures()) {
            assertTrue(f.tokensPerSecond() > 0, f.toString());
        }
        GpuCheck.Figure fp16 = report.figures().get(1);
        // MFU is 6 N tokens/s over the peak the run was given
        assertEquals(6.0 * report.parameters() * fp16.tokensPerSecond() / 1e12, fp16.mfu(), 1e-12);
        assertTrue(printed.contains("RESULT check=train precision=fp16 tokens_per_s="), printed);
        assertTrue(printed.contains("RESULT check=generate precision=float32 tokens_per_s="), printed);
    }

    @Test
    void knownCardsHaveTheirDatasheetPeaks() {
        assertEquals(989, GpuCheck.Peak.forCard("NVIDIA H200").of(Precision.FP16));
        assertEquals(51, GpuCheck.Peak.forCard("NVIDIA H100 PCIe").of(Precision.FLOAT32));
        assertEquals(19.5, GpuCheck.Peak.forCard("NVIDIA A100-SXM4-80GB").of(Precision.FLOAT32));
        assertNull(GpuCheck.Peak.forCard("NVIDIA GeForce RTX 4090"));
    }
}
