package dev.cpt.service;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;

/** The service's one {@link CheckpointStore}, at {@code cpt.store.root}. */
public class CheckpointStoreProducer {

    @Produces
    @Singleton
    CheckpointStore checkpointStore(StoreConfig config) {
        return new CheckpointStore(Path.of(config.root()));
    }
}
