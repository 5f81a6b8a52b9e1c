package dev.cpt.mixing.rounds;

import static dev.cpt.mixing.rounds.TestTokens.tokens;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.PackedSequence;
import dev.cpt.mixing.MixingPolicy;
import dev.cpt.mixing.Simplex;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rounds with the replay reservoir: replay is counted apart, weights stay on the simplex, empty domains get nothing.
 */
class ReplayMixingTest {
    @TempDir
    Path dir;

    private BatchMixer mixer(MixingPolicy policy, int batchSize, boolean replay) {
        var reservoir = replay ? new ReplayReservoir(dir.resolve("reservoir"), 100, 10_000, 5) : null;
        return new BatchMixer(
                new BatchMixer.Shape(3, batchSize, 1, DomainBuffer.NO_SEPARATOR),
                policy,
                reservoir,
                new MixerLedger(dir.resolve("ledger.json"), 16),
                5);
    }

    private static List<PackedSequence> sequences(BatchMixer.Round round) {
        return round.batches().stream().flatMap(List::stream).toList();
    }

    private static void drain(BatchMixer mixer, List<BatchMixer.Round> out) {
        for (Optional<BatchMixer.Round> r = mixer.nextFullRound(); r.isPresent(); r = mixer.nextFullRound()) {
            mixer.committed(r.get());
            out.add(r.get());
        }
        for (Optional<BatchMixer.Round> r = mixer.flush(); r.isPresent(); r = mixer.flush()) {
            mixer.committed(r.get());
            out.add(r.get());
        }
    }

    @Test
    void anEarlierDomainIsReplayedFromItsSampleAndCountedApart() {
        var policy = new FixedPolicy(s -> Simplex.uniform(s.availableTokens().keySet()));
        var mixer = mixer(policy, 4, true);
        mixer.add("general", "g", tokens(0, 16), () -> {});
        drain(mixer, new ArrayList<>());

        mixer.add("arithmetic", "a", tokens(100, 16), () -> {});
        BatchMixer.Round round = mixer.nextFullRound().orElseThrow();

        var state = policy.states.get(policy.states.size() - 1);
        assertEquals(Map.of("general", 16L, "arithmetic", 16L), state.availableTokens());
        assertEquals(Map.of("general", 0L, "arithmetic", 16L), state.freshTokens());
        assertEquals(Map.of("general", 16L), state.trainedTokens());
        assertEquals(Map.of("general", 0.5, "arithmetic", 0.5), round.weights());
        assertEquals(Map.of("arithmetic", 8L), round.freshTokens());
        assertEquals(Map.of("general", 8L), round.replayTokens());
        assertEquals(0.5, round.replayShare(), 1e-12);
        for (PackedSequence s : sequences(round)) {
            assertEquals(s.domain().equals("general"), s.replay());
        }
    }

    @Test
    void aFlushKeepsTheReplayShareOfTheWeights() {
        var mixer = mixer(FixedPolicy.of(Map.of("general", 0.75, "arithmetic", 0.25)), 8, true);
        mixer.add("general", "g", tokens(0, 64), () -> {});
        drain(mixer, new ArrayList<>());

        mixer.add("arithmetic", "a", tokens(100, 8), () -> {}); // two fresh sequences
        BatchMixer.Round round = mixer.flush().orElseThrow();

        assertEquals(Map.of("arithmetic", 8L), round.freshTokens());
        assertEquals(Map.of("general", 24L), round.replayTokens()); // 2 fresh at share 1/4: a round of 8
    }

    @Test
    void overManyRoundsTheReplayShareIsTheWeightsNotTheRoundsRounding() {
        // replay 0.3 of a round of 8 is 2.4 sequences: rounded round by round it would be 2 every round, 0.25
        var mixer = mixer(FixedPolicy.of(Map.of("general", 0.3, "law", 0.7)), 8, true);
        mixer.add("general", "g", tokens(0, 64), () -> {});
        drain(mixer, new ArrayList<>());
        mixer.add("law", "l", tokens(1000, 400), () -> {});

        long replayed = 0;
        for (int r = 0; r < 10; r++) {
            BatchMixer.Round round = mixer.nextFullRound().orElseThrow();
            mixer.committed(round);
            replayed += sequences(round).stream().filter(PackedSequence::replay).count();
        }
        assertEquals(24, replayed, 1); // 0.3 of 80 sequences
    }

    @Test
    void aPolicyThatOnlyWantsReplayStillMovesTheFreshStream() {
        var mixer = mixer(FixedPolicy.of(Map.of("general", 1.0)), 4, true);
        mixer.add("general", "g", tokens(0, 16), () -> {});
        var rounds = new ArrayList<BatchMixer.Round>();
        drain(mixer, rounds);
        mixer.add("arithmetic", "a", tokens(100, 40), () -> {});
        drain(mixer, rounds);

        assertEquals(
                Map.of(),
                mixer.bufferedTokens().entrySet().stream()
                        .filter(e -> e.getValue() > 0)
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        for (BatchMixer.Round r : rounds) {
            assertFalse(r.freshTokens().isEmpty(), "round " + r.round() + " trained nothing fresh");
        }
    }

    @Test
    void aDomainWithNoDataLeftIsNeverChosen() {
        // The policy insists on general, whose data is gone (no replay): the round falls back to what has data.
        var mixer = mixer(FixedPolicy.of(Map.of("general", 0.5, "law", 0.5)), 2, false);
        mixer.add("general", "g", tokens(0, 8), () -> {});
        mixer.add("law", "l", tokens(0, 8), () -> {});
        var rounds = new ArrayList<BatchMixer.Round>();
        drain(mixer, rounds);
        mixer.add("law", "l2", tokens(0, 16), () -> {});
        BatchMixer.Round round = mixer.nextFullRound().orElseThrow();

        assertTrue(round.fallback());
        assertTrue(round.refusal().contains("general"), round.refusal());
        assertEquals(Map.of("law", 1.0), round.weights());
        assertTrue(sequences(round).stream().allMatch(s -> s.domain().equals("law")));
    }

    @Test
    void weightsAreAlwaysOnTheSimplexOverDomainsWithData() {
        Random random = new Random(11);
        String[] domains = {"general", "law", "med", "code"};
        // A policy that proposes anything: valid weights, negative, NaN, unnormalised, on unknown or empty domains.
        var policy = new FixedPolicy(s -> {
            Map<String, Double> w = new HashMap<>();
            int kind = random.nextInt(5);
            for (String d : domains) {
                if (random.nextBoolean()) {
                    w.put(
                            d,
                            switch (kind) {
                                case 0 -> -random.nextDouble();
                                case 1 -> Double.NaN;
                                case 2 -> random.nextDouble() * 3;
                                default -> random.nextDouble();
                            });
                }
            }
            if (kind >= 3) {
                Map<String, Double> valid = new TreeMap<>();
                s.availableTokens().keySet().forEach(d -> valid.put(d, random.nextDouble() + 1e-3));
                double sum =
                        valid.values().stream().mapToDouble(Double::doubleValue).sum();
                valid.replaceAll((d, v) -> v / sum);
                return valid;
            }
            return w;
        });
        var mixer = mixer(policy, 4, random.nextBoolean());
        int fallbacks = 0;
        int rounds = 0;
        for (int step = 0; step < 300; step++) {
            String domain = domains[Math.min(domains.length - 1, step / 75 + random.nextInt(2))];
            mixer.add(domain, "d" + step, tokens(step, 1 + random.nextInt(30)), () -> {});
            Optional<BatchMixer.Round> r = step % 7 == 0 ? mixer.flush() : mixer.nextFullRound();
            if (r.isEmpty()) {
                continue;
            }
            var state = policy.states.get(policy.states.size() - 1);
            BatchMixer.Round round = r.get();
            double sum = round.weights().values().stream()
                    .mapToDouble(Double::doubleValue)
                    .sum();
            assertEquals(1.0, sum, 1e-9);
            assertTrue(round.weights().values().stream().allMatch(w -> w > 0 && w <= 1));
            assertTrue(
                    state.availableTokens().keySet().containsAll(round.weights().keySet()));
            Set<String> drawn = new HashSet<>();
            sequences(round).forEach(s -> drawn.add(s.domain()));
            assertTrue(state.availableTokens().keySet().containsAll(drawn), drawn + " vs " + state.availableTokens());
            fallbacks += round.fallback() ? 1 : 0;
            rounds++;
            mixer.committed(round);
        }
        assertTrue(rounds > 20, "rounds: " + rounds);
        assertTrue(fallbacks > 0 && fallbacks < rounds, fallbacks + " fallbacks in " + rounds + " rounds");
    }
}
