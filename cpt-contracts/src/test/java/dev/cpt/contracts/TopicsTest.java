package dev.cpt.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void everyTopicHasItsRetentionAndCleanupPolicyChosenOnce() {
        Set<String> names = new HashSet<>();
        for (Topics.Spec spec : Topics.ALL) {
            assertTrue(names.add(spec.name()), spec.name() + " is listed twice");
            assertTrue(spec.retentionMs() == -1 || spec.retentionMs() > 0, spec.name() + ": " + spec.retentionMs());
            // No topic is compacted: every key in the loop (domain, run, policy, rollout group) names a stream of
            // records, not one record's latest state. A compacted topic would need a review of its producers first.
            assertEquals("delete", spec.cleanupPolicy(), spec.name());
        }
    }

    @Test
    void theTopicsWhoseReadersNeedTheWholeHistoryAreKeptWithoutTimeLimit() {
        for (String topic : Set.of(
                Document.TOPIC,
                Document.HELDOUT_TOPIC,
                TrainingBatch.TOPIC,
                MixtureWeights.TOPIC,
                CheckpointEvent.TOPIC,
                EvalReport.TOPIC,
                ReleaseEvent.TOPIC)) {
            assertEquals(-1, spec(topic).retentionMs(), topic);
        }
        assertTrue(spec(RewardRequest.TOPIC).retentionMs()
                < spec(DeadLetters.REWARD).retentionMs());
    }

    @Test
    void aSpecWithoutAChosenRetentionIsRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new Topics.Spec("cpt.x", 1, Map.of(Topics.CLEANUP_POLICY, "delete")));
        assertThrows(
                IllegalArgumentException.class, () -> new Topics.Spec("cpt.x", 1, Map.of(Topics.RETENTION_MS, "-1")));
    }

    private static Topics.Spec spec(String name) {
        return Topics.ALL.stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow();
    }
}
