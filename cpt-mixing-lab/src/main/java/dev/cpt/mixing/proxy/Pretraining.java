package dev.cpt.mixing.proxy;

import dev.cpt.common.FileTrees;
import dev.cpt.mixing.StaticPolicy;
import dev.cpt.mixing.rounds.BatchMixer;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.OptimizerSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The general pre-training every proxy run starts from, done once per proxy shape and seed in this JVM. The general
 * domain's documents go through the mixer's round cutting alone, one batch per round, and the model trains on every
 * round. What is left is a checkpoint and the mixer's state: a ledger that counts the general tokens trained, and a
 * replay reservoir sampled from the general documents trained on, which is what the mixer replays the general
 * domain from. Each run copies that state and continues from it with its own policy, as a restarted mixer would.
 */
final class Pretraining {
    private static final Map<String, Pretraining> DONE = new HashMap<>();

    private final Path model;
    private final Path mixerState;

    private Pretraining(Path model, Path mixerState) {
        this.model = model;
        this.mixerState = mixerState;
    }

    /** The pre-trained checkpoint; the caller loads it. */
    Path model() {
        return model;
    }

    /** A fresh copy of the mixer's state after pre-training, for one run to continue from (and delete). */
    Path copyMixerState() {
        return ProxyMixer.copyState(mixerState, "cpt-mixing-proxy-run-");
    }

    static Pretraining of(ProxyConfig config, long seed) {
        String key = config.model() + "/" + config.pretrainSteps() + "/" + config.learningRate() + "/" + seed;
        synchronized (DONE) {
            return DONE.computeIfAbsent(key, k -> run(config, seed, k));
        }
    }

    private static Pretraining run(ProxyConfig config, long seed, String key) {
        try (LanguageModel lm = LanguageModel.create(config.model(), seed)) {
            Path base = Files.createTempDirectory("cpt-mixing-proxy-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> FileTrees.deleteQuietly(base)));
            Path state = base.resolve("mixer");
            BatchMixer mixer =
                    ProxyMixer.open(state, config, 1, StaticPolicy.weights(Map.of(Domains.GENERAL, 1.0)), 1, seed);
            OptimizerSettings opt = OptimizerSettings.defaults().withLearningRate(config.learningRate());
            DomainDocuments general = new DomainDocuments(Domains.GENERAL, seed * 31 + Domains.GENERAL.hashCode() + 1);
            for (int s = 0; s < config.pretrainSteps(); s++) {
                Optional<BatchMixer.Round> round = mixer.nextFullRound();
                while (round.isEmpty()) {
                    DomainDocuments.Tokenized d = general.next();
                    mixer.add(Domains.GENERAL, d.id(), d.tokens(), () -> {});
                    round = mixer.nextFullRound();
                }
                for (var batch : round.get().batches()) {
                    lm.trainStep(ProxyMixer.tokens(batch), opt);
                }
                mixer.committed(round.get());
            }
            Path model = base.resolve("pretrained");
            lm.save(model, Map.of("proxy", key));
            return new Pretraining(model, state);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the pre-trained proxy model", e);
        }
    }
}
