package dev.cpt.contracts;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Serializer;

/** Kafka value serializer for every contract, so every producer writes the same JSON as {@link Json}. */
public class JsonSerializer implements Serializer<Object> {
    @Override
    public byte[] serialize(String topic, Object data) {
        return data == null ? null : Json.write(data).getBytes(StandardCharsets.UTF_8);
    }
}
