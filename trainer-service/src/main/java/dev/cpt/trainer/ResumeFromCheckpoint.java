package dev.cpt.trainer;

import dev.cpt.contracts.ConsumedOffset;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Whenever the trainer is given a partition of the batches topic, it seeks to the offset its weights have consumed
 * (from the checkpoint after a restart, from memory after a rebalance), not to the group's committed offset:
 * the committed offset may run ahead of the last checkpoint, and the batches in between would be lost.
 */
@ApplicationScoped
@Identifier(ResumeFromCheckpoint.NAME)
public class ResumeFromCheckpoint implements KafkaConsumerRebalanceListener {
    public static final String NAME = "trainer-resume";

    @Inject
    BatchTrainer trainer;

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            trainer.positions().stream()
                    .filter(p -> p.topic().equals(tp.topic()) && p.partition() == tp.partition())
                    .map(ConsumedOffset::nextOffset)
                    .findFirst()
                    // Weights that have read nothing of a partition start at its beginning: the group's committed
                    // offset
                    // may belong to weights that died before their first checkpoint.
                    .ifPresentOrElse(
                            offset -> {
                                Log.infof("resuming %s at offset %d, after the last batch in the weights", tp, offset);
                                consumer.seek(tp, offset);
                            },
                            () -> consumer.seekToBeginning(List.of(tp)));
        }
    }
}
