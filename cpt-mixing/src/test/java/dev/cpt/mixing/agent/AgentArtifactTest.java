package dev.cpt.mixing.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentArtifactTest {
    @Test
    void artifactRoundTripsAndRefusesTamperedWeights(@TempDir Path dir) throws IOException {
        PolicyNet net = Nets.random(9);
        Nets.artifact(net).write(dir);
        AgentArtifact loaded = AgentArtifact.load(dir.toString());
        double[] x = new double[Features.SIZE];
        x[0] = 1;
        assertArrayEquals(net.logits(x), loaded.net().logits(x), 0);
        assertEquals(Features.LAYOUT_VERSION, loaded.manifest().featureLayout());
        byte[] bytes = Files.readAllBytes(dir.resolve(AgentArtifact.WEIGHTS_FILE));
        bytes[bytes.length - 1] ^= 1;
        Files.write(dir.resolve(AgentArtifact.WEIGHTS_FILE), bytes);
        IOException e = assertThrows(IOException.class, () -> AgentArtifact.load(dir.toString()));
        assertTrue(e.getMessage().contains("sha256"), e.getMessage());
    }

    @Test
    void bundledArtifactLoadsAndSaysHowItWasMade() throws IOException {
        AgentArtifact bundled = AgentArtifact.load(AgentArtifact.BUNDLED);
        assertTrue(
                bundled.manifest().version().startsWith("mixing-agent-"),
                bundled.manifest().version());
        assertTrue(bundled.manifest().trainingData().trajectories() > 0);
        assertEquals(64, bundled.manifest().trainingData().sha256().length());
        List<String> names = new ArrayList<>(bundled.manifest().features());
        assertEquals(Features.NAMES, names);
    }
}
