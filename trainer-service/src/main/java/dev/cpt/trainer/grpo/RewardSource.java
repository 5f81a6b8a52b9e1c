package dev.cpt.trainer.grpo;

import dev.cpt.contracts.RewardRequest;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where rewards come from: requests go out, answers come back later and are collected by request id. The trainer's
 * is {@link KafkaRewardSource} (the reward service over Kafka); a benchmark may score in process. Thread-safe: a
 * {@link GrpoLoop} with overlapped rollouts sends requests from its sampling thread while it awaits answers.
 */
public interface RewardSource extends AutoCloseable {

    /** Sends the requests; their answers are kept until {@link #await} takes them or {@link #abandon} drops them. */
    void request(List<RewardRequest> requests);

    /**
     * Waits until every id has its answer or {@code timeout} has passed, whichever is first, and returns (and
     * forgets) the answers that came: a missing id is simply absent. {@code Duration.ZERO} only collects.
     */
    Map<String, Double> await(Collection<String> requestIds, Duration timeout) throws InterruptedException;

    /** Stops waiting for these ids; an answer that still comes for one of them is counted as late. */
    void abandon(Collection<String> requestIds);

    /**
     * Answers that came after their request had been abandoned, since the start; none for a source that scores in
     * process and so never answers late.
     */
    default long lateAnswers() {
        return 0;
    }

    /** Releases the source's clients; nothing to release for an in-process source. */
    @Override
    default void close() {}

    /** Removes the answers for these ids from {@code answers} and returns them; an id without an answer is absent. */
    static Map<String, Double> take(Map<String, Double> answers, Collection<String> requestIds) {
        Map<String, Double> out = new HashMap<>();
        for (String id : requestIds) {
            Double reward = answers.remove(id);
            if (reward != null) {
                out.put(id, reward);
            }
        }
        return out;
    }
}
