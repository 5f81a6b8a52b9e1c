package dev.cpt.trainer;

import io.quarkus.logging.Log;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Passes over batch records that must not be trained: those already in the weights or in the gradients accumulated
 * for the next step (the consumer may deliver them again after a restart or a rebalance), and those fetched before a
 * rollback's seek, which come again after it.
 */
final class ReplayFilter {
    // Per partition, the offset read last before a rollback; records above it were fetched before the seek and come
    // again after it, in order, so they are passed over until the seek's records arrive.
    private final Map<String, Long> discardAbove = new HashMap<>();

    /** Whether {@code record} (batch {@code batchId}) is to be passed over rather than trained by {@code run}. */
    boolean passesOver(ConsumerRecord<String, String> record, String batchId, TrainingRun run) {
        if (fetchedBeforeRollback(record)) {
            return true;
        }
        if (run.alreadyTrained(TrainingRun.positionAfter(record))) {
            Log.infof(
                    "batch %s at %s-%d offset %d is already in the weights: not trained again",
                    batchId, record.topic(), record.partition(), record.offset());
            return true;
        }
        return false;
    }

    /** A rollback seeks back from {@code lastRead}: what its partition fetched beyond it is read again. */
    void rewoundFrom(ConsumerRecord<String, String> lastRead) {
        discardAbove.put(partition(lastRead), lastRead.offset());
    }

    private boolean fetchedBeforeRollback(ConsumerRecord<String, String> record) {
        Long last = discardAbove.get(partition(record));
        if (last == null) {
            return false;
        }
        if (record.offset() > last) {
            return true;
        }
        discardAbove.remove(partition(record));
        return false;
    }

    private static String partition(ConsumerRecord<String, String> record) {
        return record.topic() + "/" + record.partition();
    }
}
