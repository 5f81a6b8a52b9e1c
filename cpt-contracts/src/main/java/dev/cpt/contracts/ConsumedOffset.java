package dev.cpt.contracts;

/** The next offset to read on one partition: a checkpoint's weights have seen every record before it. */
public record ConsumedOffset(String topic, int partition, long nextOffset) {
    public ConsumedOffset {
        Require.nonBlank(topic, "topic");
        Require.nonNegative(partition, "partition");
        Require.nonNegative(nextOffset, "nextOffset");
    }
}
