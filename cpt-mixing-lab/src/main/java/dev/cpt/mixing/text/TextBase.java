package dev.cpt.mixing.text;

import ai.djl.Device;
import dev.cpt.common.FileTrees;
import dev.cpt.contracts.SchedulePhase;
import dev.cpt.mixing.StaticPolicy;
import dev.cpt.mixing.proxy.ProxyMixer;
import dev.cpt.mixing.rounds.BatchMixer;
import dev.cpt.model.DataParallel;
import dev.cpt.model.LanguageModel;
import dev.cpt.training.OptimizerSteps;
import dev.cpt.training.schedule.PhaseClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The general pre-training every run of one seed starts from: a new model of the preset, trained on the general
 * domain's documents (in an order the seed shuffles, repeated as often as the steps need) through the mixer's round
 * cutting and the trainer's optimizer steps. What is left is the model, the mixer's state (a ledger counting the
 * general tokens, a replay reservoir sampled from the general documents trained on) and the schedule's phase state,
 * so that a run continues as the services would after stage 0: the first batch of a new domain re-warms the schedule.
 */
public final class TextBase implements AutoCloseable {
    private final LanguageModel model;
    private final Path directory;
    private final SchedulePhase phase;
    private final long steps;

    private TextBase(LanguageModel model, Path directory, SchedulePhase phase, long steps) {
        this.model = model;
        this.directory = directory;
        this.phase = phase;
        this.steps = steps;
    }

    public static TextBase pretrain(TextCorpora corpora, TextRunSettings settings, long seed) {
        Path directory;
        try {
            directory = Files.createTempDirectory("cpt-mixing-text-base-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the pre-trained mixer state", e);
        }
        LanguageModel model = LanguageModel.create(settings.decoderConfig(), seed, corpora.tokenizer(), Device.cpu());
        try (DataParallel replicas = DataParallel.over(model, List.of(model.device()))) {
            String general = corpora.general();
            BatchMixer mixer = ProxyMixer.open(
                    directory.resolve("mixer"),
                    TextRun.shape(settings, corpora, 1),
                    StaticPolicy.weights(Map.of(general, 1.0)),
                    1,
                    seed);
            OptimizerSteps steps = new OptimizerSteps(
                    replicas, settings.optimizer(), 1, new PhaseClock(true, SchedulePhase.initial()), 0);
            DocumentStream documents = new DocumentStream(corpora.domain(general), seed, true);
            while (steps.step() < settings.pretrainSteps()) {
                while (!mixer.hasFullRound()) {
                    documents.feed(mixer);
                }
                TextRun.train(mixer, mixer.nextFullRound().orElseThrow(), steps, settings, corpora);
            }
            return new TextBase(model, directory, steps.phases().state(), steps.step());
        } catch (RuntimeException e) {
            model.close();
            FileTrees.deleteQuietly(directory);
            throw e;
        }
    }

    /** The pre-trained weights with a fresh optimizer, as the trainer starts from a base; the caller closes it. */
    LanguageModel copyModel() {
        return model.copy();
    }

    /** A fresh copy of the mixer's state after pre-training, for one run to continue from (and delete). */
    Path copyMixerState() {
        return ProxyMixer.copyState(directory.resolve("mixer"), "cpt-mixing-text-run-");
    }

    SchedulePhase phase() {
        return phase;
    }

    long steps() {
        return steps;
    }

    @Override
    public void close() {
        model.close();
        FileTrees.deleteQuietly(directory);
    }
}
