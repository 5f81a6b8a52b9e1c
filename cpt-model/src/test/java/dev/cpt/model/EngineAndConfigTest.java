package dev.cpt.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.util.Utils;
import dev.cpt.model.engine.OfflineEngine;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class EngineAndConfigTest {

    // the libtorch the build's profile put on the class path (surefire passes them from the pom): the CPU 2.7.1 by
    // default, 2.5.1 on the DJL 0.33 line (-Ddjl.line=0.33), cu124 2.5.1 under -Dcuda
    private static final String VERSION = System.getProperty("cpt.expected.pytorch.version", "2.7.1");
    private static final String FLAVOR = System.getProperty("cpt.expected.pytorch.flavor", "cpu");

    @Test
    void engineLoadsOfflineFromTheMavenCentralNativeJar() throws Exception {
        assertEquals(VERSION, OfflineEngine.version());
        assertEquals(FLAVOR, OfflineEngine.flavor());
        assertEquals("true", System.getProperty("ai.djl.offline"));
        assertTrue(Utils.isOfflineMode());
        // the libtorch on the classpath is the pytorch-native-<flavor> jar from Maven Central
        Properties p = new Properties();
        try (InputStream in = getClass().getResourceAsStream("/native/lib/pytorch.properties")) {
            assertNotNull(in, "pytorch-native-" + FLAVOR + " jar missing from the classpath");
            p.load(in);
        }
        assertTrue(p.getProperty("version").startsWith(VERSION), p.toString());
        assertEquals(FLAVOR, p.getProperty("flavor"));
        assertEquals("linux-x86_64", p.getProperty("classifier"));
        // and DJL extracted that jar's libraries into its cache (surefire points the cache at target/)
        Path cache = Utils.getEngineCacheDir("pytorch");
        String dirName = VERSION.replace(".", "\\.") + "-\\d+-" + FLAVOR + "-linux-x86_64";
        try (var dirs = Files.list(cache)) {
            Path dir = dirs.filter(d -> d.getFileName().toString().matches(dirName))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no " + VERSION + "-" + FLAVOR + " dir in " + cache));
            assertTrue(Files.exists(dir.resolve("libtorch_cpu.so")));
        }
        assertTrue(OfflineEngine.threads() >= 1);
    }

    @Test
    void presetsHaveTheAdvertisedSizes() {
        assertEquals(100_272, GptConfig.tiny().parameterCount());
        assertTrue(
                Math.abs(GptConfig.small1M().parameterCount() - 1_000_000) < 100_000,
                "" + GptConfig.small1M().parameterCount());
        assertTrue(
                Math.abs(GptConfig.medium10M().parameterCount() - 10_000_000) < 1_000_000,
                "" + GptConfig.medium10M().parameterCount());
        try (LanguageModel m = LanguageModel.create(GptConfig.tiny(), 0)) {
            assertEquals(GptConfig.tiny().parameterCount(), m.parameterCount());
            assertEquals("byte-utf8", m.tokenizer().name());
        }
        try (LanguageModel a = LanguageModel.create(GptConfig.tiny(), 5);
                LanguageModel b = LanguageModel.create(GptConfig.tiny(), 5);
                LanguageModel c = LanguageModel.create(GptConfig.tiny(), 6)) {
            int[][] x = {{1, 2, 3}};
            HuggingFaceInteropTest.assertLogitsEqual(a.logits(x), b.logits(x));
            assertTrue(a.logits(x)[0][0][0] != c.logits(x)[0][0][0], "seed must matter");
        }
    }

    @Test
    void configValidatesShape() {
        assertThrows(IllegalArgumentException.class, () -> new GptConfig(256, 32, 2, 3, 32));
        assertThrows(IllegalArgumentException.class, () -> new GptConfig(0, 32, 2, 2, 32));
        assertThrows(IllegalArgumentException.class, () -> LanguageModel.create(new GptConfig(100, 8, 1, 1, 8), 0));
    }
}
