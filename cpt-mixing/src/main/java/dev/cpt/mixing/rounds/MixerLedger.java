package dev.cpt.mixing.rounds;

import dev.cpt.contracts.Json;
import dev.cpt.mixing.EvalFeedback;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the mixer remembers across rounds and restarts, beyond its buffers: the order in which domains arrived,
 * the tokens trained per domain (fresh and replay apart), the last round's weights, what the committed rounds still owe
 * each domain, and the eval feedback the policy has seen. Saved to {@code ledger.json} after each committed round and
 * each feedback. Not thread-safe.
 */
public final class MixerLedger {
    private final Path file;
    private final int feedbackHistory;
    private final List<String> arrivalOrder = new ArrayList<>();
    private final Map<String, Long> freshTrained = new TreeMap<>();
    private final Map<String, Long> replayTrained = new TreeMap<>();
    private Map<String, Double> previousWeights = Map.of();
    private Map<String, Double> owed = Map.of();
    private final List<EvalFeedback> feedback = new ArrayList<>();
    private long nextRound;

    /** The saved form. {@code owed} is null in a ledger written before it was kept: nothing owed. */
    record Snapshot(
            long nextRound,
            List<String> arrivalOrder,
            Map<String, Long> freshTrained,
            Map<String, Long> replayTrained,
            Map<String, Double> previousWeights,
            Map<String, Double> owed,
            List<EvalFeedback> feedback) {}

    public MixerLedger(Path file, int feedbackHistory) {
        this.file = file;
        this.feedbackHistory = feedbackHistory;
        if (file != null && Files.exists(file)) {
            try {
                Snapshot s = Json.MAPPER.readValue(file.toFile(), Snapshot.class);
                nextRound = s.nextRound();
                arrivalOrder.addAll(s.arrivalOrder());
                freshTrained.putAll(s.freshTrained());
                replayTrained.putAll(s.replayTrained());
                previousWeights = Map.copyOf(s.previousWeights());
                owed = s.owed() == null ? Map.of() : Map.copyOf(s.owed());
                feedback.addAll(s.feedback());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the mixer ledger " + file, e);
            }
        }
    }

    void arrived(String domain) {
        if (!arrivalOrder.contains(domain)) {
            arrivalOrder.add(domain);
        }
    }

    /**
     * A round is committed: its tokens count as trained, its weights become the previous weights, and what it left
     * owing each domain is what the next round starts from.
     */
    void committed(
            long round,
            Map<String, Double> weights,
            Map<String, Long> fresh,
            Map<String, Long> replay,
            Map<String, Double> owedAfter) {
        nextRound = round + 1;
        previousWeights = Map.copyOf(weights);
        owed = Map.copyOf(owedAfter);
        fresh.forEach((d, t) -> freshTrained.merge(d, t, Long::sum));
        replay.forEach((d, t) -> replayTrained.merge(d, t, Long::sum));
        save();
    }

    /** Adds feedback newer than any seen; returns false for a step already observed (a redelivered report). */
    boolean observe(EvalFeedback f) {
        if (!feedback.isEmpty() && f.step() <= feedback.get(feedback.size() - 1).step()) {
            return false;
        }
        feedback.add(f);
        if (feedback.size() > feedbackHistory) {
            feedback.remove(0);
        }
        save();
        return true;
    }

    /** The broker's last committed round is the truth: a crash may have come between a commit and {@link #save()}. */
    public void continueAfter(long lastCommittedRound) {
        nextRound = Math.max(nextRound, lastCommittedRound + 1);
    }

    public long nextRound() {
        return nextRound;
    }

    public List<String> arrivalOrder() {
        return List.copyOf(arrivalOrder);
    }

    public Map<String, Long> trainedTokens() {
        Map<String, Long> all = new TreeMap<>(freshTrained);
        replayTrained.forEach((d, t) -> all.merge(d, t, Long::sum));
        return all;
    }

    public Map<String, Double> previousWeights() {
        return previousWeights;
    }

    /**
     * Per domain, its exact share of the committed rounds minus the sequences it got, within one sequence either way.
     */
    Map<String, Double> owed() {
        return owed;
    }

    public List<EvalFeedback> feedback() {
        return List.copyOf(feedback);
    }

    private void save() {
        if (file == null) {
            return;
        }
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            String json = Json.write(new Snapshot(
                    nextRound, arrivalOrder, freshTrained, replayTrained, previousWeights, owed, feedback));
            Files.writeString(tmp, json, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the mixer ledger " + file, e);
        }
    }
}
