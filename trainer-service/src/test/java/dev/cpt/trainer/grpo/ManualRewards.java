package dev.cpt.trainer.grpo;

import dev.cpt.contracts.RewardRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * A reward source the test drives: a request is answered only when the test says so (or at once, by a scoring
 * function), and {@link #await} never sleeps (it behaves as if the timeout had passed), so no test depends on speed.
 */
final class ManualRewards implements RewardSource {
    final Map<String, RewardRequest> requested = new LinkedHashMap<>();
    private final Map<String, Double> answered = new HashMap<>();
    private final Set<String> abandoned = new HashSet<>();
    private final ToDoubleFunction<RewardRequest> autoAnswer;
    private long late;

    /** @param autoAnswer scores every request as it comes; null: nothing is answered until {@link #answer} */
    ManualRewards(ToDoubleFunction<RewardRequest> autoAnswer) {
        this.autoAnswer = autoAnswer;
    }

    @Override
    public synchronized void request(List<RewardRequest> requests) {
        for (RewardRequest r : requests) {
            requested.put(r.requestId(), r);
            if (autoAnswer != null) {
                answered.put(r.requestId(), autoAnswer.applyAsDouble(r));
            }
        }
    }

    synchronized void answer(String requestId, double reward) {
        if (abandoned.remove(requestId)) {
            late++;
        } else {
            answered.put(requestId, reward);
        }
    }

    synchronized List<String> ids() {
        return new ArrayList<>(requested.keySet());
    }

    @Override
    public synchronized Map<String, Double> await(Collection<String> requestIds, Duration timeout) {
        return RewardSource.take(answered, requestIds);
    }

    @Override
    public synchronized void abandon(Collection<String> requestIds) {
        requestIds.forEach(id -> {
            answered.remove(id);
            abandoned.add(id);
        });
    }

    @Override
    public synchronized long lateAnswers() {
        return late;
    }
}
