package dev.cpt.ingest;

import dev.cpt.common.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/**
 * The state directory belongs to one set of output topics. Dedup state says "the broker holds this document"; if
 * the broker was replaced (a fresh data directory, a new cluster), that is no longer true, and keeping the state
 * would silently drop every document sent again as a "duplicate". So the directory records the id of the topic it
 * describes (Kafka gives every topic a fresh UUID when it is created) and starts empty when the topic is new.
 */
final class StateDirectory {
    private static final Logger LOG = Logger.getLogger(StateDirectory.class);
    static final String GENERATION_FILE = "topic-id";

    private StateDirectory() {}

    /** @param topicId the current documents topic's id, or null when unknown (the state is then kept as it is) */
    static Path open(Path dir, String topicId) {
        try {
            Files.createDirectories(dir);
            Path marker = dir.resolve(GENERATION_FILE);
            String recorded = Files.exists(marker)
                    ? Files.readString(marker, StandardCharsets.UTF_8).strip()
                    : null;
            if (topicId == null) {
                return dir;
            }
            if (recorded != null && !recorded.equals(topicId)) {
                LOG.warnf(
                        "the documents topic was re-created (id %s, the state in %s describes %s): starting with empty dedup"
                                + " state and file ledger",
                        topicId, dir.toAbsolutePath(), recorded);
                FileTrees.deleteContents(dir);
            }
            Files.writeString(marker, topicId, StandardCharsets.UTF_8);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the ingest state directory " + dir.toAbsolutePath(), e);
        }
    }
}
