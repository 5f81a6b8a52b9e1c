package dev.cpt.launcher;

import dev.cpt.kafka.clients.KafkaClients;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** Per consumer group, how many records of each topic it has not consumed: the end offset less its committed one. */
final class ConsumerLag {
    record Group(String id, Map<String, Long> byTopic) {
        long total() {
            return byTopic.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private ConsumerLag() {}

    static List<Group> read(KafkaClients clients) throws InterruptedException {
        try (Admin admin = clients.admin("status", Map.of())) {
            List<String> ids = new ArrayList<>();
            for (ConsumerGroupListing g : admin.listConsumerGroups().all().get(30, TimeUnit.SECONDS)) {
                ids.add(g.groupId());
            }
            ids.sort(null);
            List<Group> groups = new ArrayList<>();
            for (String id : ids) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(id)
                        .partitionsToOffsetAndMetadata()
                        .get(30, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                committed.keySet().forEach(p -> latest.put(p, OffsetSpec.latest()));
                var ends = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
                Map<String, Long> byTopic = new TreeMap<>();
                for (var e : committed.entrySet()) {
                    if (e.getValue() != null && ends.containsKey(e.getKey())) {
                        long lag = Math.max(
                                0, ends.get(e.getKey()).offset() - e.getValue().offset());
                        byTopic.merge(e.getKey().topic(), lag, Long::sum);
                    }
                }
                groups.add(new Group(id, byTopic));
            }
            return groups;
        } catch (ExecutionException | TimeoutException e) {
            throw new CommandFailure("cannot read the consumer groups' offsets from the broker: " + e.getMessage(), e);
        }
    }
}
