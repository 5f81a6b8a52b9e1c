package dev.cpt.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {
    @TempDir
    Path dir;

    @Test
    void aLocationInsideTheStoreRoundTripsThroughItsUri() throws Exception {
        var store = new CheckpointStore(dir.resolve("store"));
        Path checkpoint = Files.createDirectories(store.root().resolve("run-1/step-10"));

        assertEquals(checkpoint, store.resolve(store.uriOf(checkpoint)));
    }

    @Test
    void traversalOtherSchemesAndLinksOutAreRefused() throws Exception {
        var store = new CheckpointStore(dir.resolve("store"));
        String root = store.root().toUri().toString();

        var traversal = assertThrows(IllegalArgumentException.class, () -> store.resolve(root + "run-1/../../etc"));
        assertTrue(traversal.getMessage().contains("outside the store root"), traversal.getMessage());
        assertThrows(IllegalArgumentException.class, () -> store.resolve("http://example.org/ckpt"));
        assertThrows(IllegalArgumentException.class, () -> store.resolve("file:/etc/passwd"));
        assertThrows(IllegalArgumentException.class, () -> store.uriOf(dir));

        Files.createSymbolicLink(store.root().resolve("escape"), dir);
        var link = assertThrows(IllegalArgumentException.class, () -> store.resolve(root + "escape"));
        assertTrue(link.getMessage().contains("through a link"), link.getMessage());
    }

    @Test
    void aRunsCheckpointsAreNamedByTheirZeroPaddedStep() {
        var store = new CheckpointStore(dir.resolve("store"));
        assertEquals("step-000000042", CheckpointStore.stepDirectory(42));
        assertEquals(store.root().resolve("run-1").resolve("step-000000042"), store.checkpointDir("run-1", 42));
    }

    @Test
    void aCheckpointUriIsLocatedAsItsRunAndStep() {
        var store = new CheckpointStore(dir.resolve("store"));
        assertEquals(
                Optional.of(new CheckpointStore.Location("demo", 1200)),
                store.locate(store.uriOf(store.checkpointDir("demo", 1200))));
        assertEquals(Optional.empty(), store.locate(store.uriOf(store.root().resolve("base-model"))));
        assertEquals(Optional.empty(), store.locate(store.uriOf(store.root().resolve("demo/step-000000001/x"))));
        assertEquals(Optional.empty(), store.locate("file:/etc/passwd"));
    }
}
