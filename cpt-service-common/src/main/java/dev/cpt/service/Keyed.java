package dev.cpt.service;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Outgoing Kafka messages with their key, and optionally a topic other than the channel's. */
public final class Keyed {
    private Keyed() {}

    public static <T> Message<T> message(T payload, String key) {
        return Message.of(payload)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                        .withKey(key)
                        .build());
    }

    public static <T> Message<T> message(T payload, String key, String topic) {
        return Message.of(payload)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                        .withKey(key)
                        .withTopic(topic)
                        .build());
    }
}
