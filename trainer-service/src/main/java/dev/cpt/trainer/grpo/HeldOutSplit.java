package dev.cpt.trainer.grpo;

import dev.cpt.contracts.GrpoTaskExample;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which of a user's examples are held out: those whose id hashes (SHA-256, so the same in every JVM and release) into
 * the first {@code percent} of 100 buckets. An example stays on its side whatever else the source holds, so the
 * held-out reward of two stages on a grown file is measured on the same old examples plus new ones.
 */
public record HeldOutSplit(int percent) {

    /** The examples split, each side at most its cap (in source order), each put into {@code template}. */
    public record Split(List<TaskExample> train, List<TaskExample> heldOut) {}

    public HeldOutSplit {
        if (percent < 1 || percent > 99) {
            throw new IllegalArgumentException("heldOutPercent must be in [1, 99], was " + percent);
        }
    }

    public boolean heldOut(String id) {
        return Long.remainderUnsigned(hash(id), 100) < percent;
    }

    public Split split(List<GrpoTaskExample> examples, int maxTrain, int maxHeldOut, String template) {
        List<TaskExample> train = new ArrayList<>();
        List<TaskExample> heldOut = new ArrayList<>();
        for (GrpoTaskExample e : examples) {
            List<TaskExample> side = heldOut(e.id()) ? heldOut : train;
            if (side.size() < (side == train ? maxTrain : maxHeldOut)) {
                side.add(TaskExample.of(e, template));
            }
        }
        return new Split(List.copyOf(train), List.copyOf(heldOut));
    }

    private static long hash(String id) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
