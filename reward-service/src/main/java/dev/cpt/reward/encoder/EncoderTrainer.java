package dev.cpt.reward.encoder;

import ai.djl.Device;
import dev.cpt.model.OptimizerSettings;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Trains the project's own sentence encoder contrastively (InfoNCE, in-batch negatives) on pairs made from its own
 * text ({@link ContrastivePairs}), and measures it on held-out pairs. Also the command that writes one to disk:
 * {@code reward-service/bin/train-encoder.sh --out DIR [--preset demo|tiny] [--steps N]}.
 */
public final class EncoderTrainer {
    private EncoderTrainer() {}

    /**
     * What training produced and how well the encoder separates held-out pairs.
     *
     * @param heldOutTop1 fraction of held-out anchors whose nearest candidate (among the batch's positives) is their
     * own positive
     * @param chance the same fraction for a random guess (1 / batch size)
     */
    public record Result(
            SentenceEncoder encoder,
            double firstLoss,
            double lastLoss,
            double heldOutTop1,
            double chance,
            double positiveCosine,
            double negativeCosine,
            Duration took) {
        public String summary() {
            return String.format(
                    java.util.Locale.ROOT,
                    "%d parameters, loss %.3f -> %.3f, held-out top-1 %.2f (chance %.2f), cosine positives %.3f vs negatives %.3f, %.1f s",
                    encoder.parameterCount(),
                    firstLoss,
                    lastLoss,
                    heldOutTop1,
                    chance,
                    positiveCosine,
                    negativeCosine,
                    took.toMillis() / 1000.0);
        }
    }

    /** Trains an encoder on the CPU (see {@link #train(TrainingSettings, List, Device, Consumer)}). */
    public static Result train(TrainingSettings settings, List<String> corpus, Consumer<String> log)
            throws IOException {
        return train(settings, corpus, Device.cpu(), log);
    }

    /** Trains an encoder whose weights live on {@code device}, on pairs made from {@code corpus}. */
    public static Result train(TrainingSettings settings, List<String> corpus, Device device, Consumer<String> log)
            throws IOException {
        long started = System.nanoTime();
        WordPieceVocabulary.Built vocabulary =
                WordPieceVocabulary.build(ContrastivePairs.vocabularyTexts(corpus), settings.maxVocab());
        SentenceEncoder encoder =
                SentenceEncoder.create(settings.model(vocabulary.size()), vocabulary.json(), settings.seed(), device);
        try {
            ContrastivePairs pairs = ContrastivePairs.training(corpus);
            Random rng = new Random(settings.seed());
            OptimizerSettings base = new OptimizerSettings(settings.learningRate(), 0.01, 0.9, 0.999, 1e-8, 1.0);
            double first = Double.NaN;
            double recent = 0;
            int warmup = Math.max(1, settings.steps() / 10);
            for (int step = 0; step < settings.steps(); step++) {
                // linear warm-up, then linear decay to a tenth of the peak
                double scale = step < warmup
                        ? (step + 1.0) / warmup
                        : 1.0 - 0.9 * (step - warmup) / Math.max(1.0, settings.steps() - warmup);
                List<ContrastivePairs.Pair> batch = pairs.batch(settings.batchPairs(), rng);
                SentenceEncoder.StepResult r = encoder.contrastiveStep(
                        encoder.tokenize(texts(batch)),
                        (float) settings.temperature(),
                        base.withLearningRate(settings.learningRate() * scale));
                if (Double.isNaN(first)) {
                    first = r.loss();
                }
                recent = step == 0 ? r.loss() : 0.9 * recent + 0.1 * r.loss();
                if ((step + 1) % 50 == 0) {
                    log.accept(String.format(
                            java.util.Locale.ROOT, "encoder step %d/%d loss %.3f", step + 1, settings.steps(), recent));
                }
            }
            Evaluation eval = evaluate(
                    encoder, ContrastivePairs.heldOut(corpus), settings.batchPairs(), new Random(settings.seed() + 1));
            return new Result(
                    encoder,
                    first,
                    recent,
                    eval.top1,
                    1.0 / settings.batchPairs(),
                    eval.positive,
                    eval.negative,
                    Duration.ofNanos(System.nanoTime() - started));
        } catch (RuntimeException e) {
            encoder.close();
            throw e;
        }
    }

    private record Evaluation(double top1, double positive, double negative) {}

    /** Retrieval among in-batch candidates on held-out pairs, 8 batches. */
    private static Evaluation evaluate(SentenceEncoder encoder, ContrastivePairs heldOut, int batchPairs, Random rng) {
        int hits = 0;
        int anchors = 0;
        double positive = 0;
        double negative = 0;
        long negatives = 0;
        for (int b = 0; b < 8; b++) {
            List<ContrastivePairs.Pair> batch = heldOut.batch(batchPairs, rng);
            float[][] e = encoder.embed(texts(batch));
            int n = batch.size();
            for (int i = 0; i < n; i++) {
                int best = -1;
                double bestCos = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    double cos = SentenceEncoder.cosine(e[i], e[n + j]);
                    if (cos > bestCos) {
                        bestCos = cos;
                        best = j;
                    }
                    if (i == j) {
                        positive += cos;
                    } else {
                        negative += cos;
                        negatives++;
                    }
                }
                hits += best == i ? 1 : 0;
                anchors++;
            }
        }
        return new Evaluation((double) hits / anchors, positive / anchors, negative / negatives);
    }

    private static List<String> texts(List<ContrastivePairs.Pair> batch) {
        List<String> texts = new ArrayList<>(2 * batch.size());
        batch.forEach(p -> texts.add(p.anchor()));
        batch.forEach(p -> texts.add(p.positive()));
        return texts;
    }

    /**
     * The encoder cached under {@code cacheRoot/<cacheKey>}, trained and saved there first if it is not yet. Replicas
     * that race write to temp directories and rename; the loser loads the winner's copy.
     */
    public static SentenceEncoder loadOrTrain(Path cacheRoot, TrainingSettings settings, Consumer<String> log)
            throws IOException {
        return loadOrTrain(cacheRoot, settings, Device.cpu(), log);
    }

    /** As {@link #loadOrTrain(Path, TrainingSettings, Consumer)}, the encoder trained or loaded onto {@code device}. */
    public static SentenceEncoder loadOrTrain(
            Path cacheRoot, TrainingSettings settings, Device device, Consumer<String> log) throws IOException {
        Path dir = cacheRoot.resolve("encoder-" + settings.cacheKey());
        if (Files.isDirectory(dir)) {
            log.accept("loading the cached encoder from " + dir);
            return SentenceEncoder.load(dir, device);
        }
        log.accept("no cached encoder in " + dir + ": training one (" + settings + ")");
        Result result = train(settings, ContrastivePairs.builtInCorpus(), device, log);
        log.accept("encoder trained: " + result.summary());
        try {
            result.encoder().save(dir);
        } catch (FileAlreadyExistsException raced) {
            log.accept("another process cached the encoder first; using this one");
        }
        return result.encoder();
    }

    /** {@code --out DIR [--preset demo|tiny] [--steps N]}: trains an encoder and writes it in Hugging Face layout. */
    public static void main(String[] args) throws IOException {
        Path out = null;
        TrainingSettings settings = TrainingSettings.demo();
        Integer steps = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--preset" ->
                    settings = switch (args[++i]) {
                        case "demo" -> TrainingSettings.demo();
                        case "tiny" -> TrainingSettings.tiny();
                        default -> throw new IllegalArgumentException("unknown preset " + args[i] + " (demo or tiny)");
                    };
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                default ->
                    throw new IllegalArgumentException(
                            "unknown argument " + args[i] + "; usage: --out DIR [--preset demo|tiny] [--steps N]");
            }
        }
        if (out == null) {
            throw new IllegalArgumentException("usage: --out DIR [--preset demo|tiny] [--steps N]");
        }
        if (steps != null) {
            settings = settings.withSteps(steps);
        }
        Result result = train(settings, ContrastivePairs.builtInCorpus(), System.out::println);
        try (SentenceEncoder encoder = result.encoder()) {
            encoder.save(out);
        }
        System.out.println("RESULT " + result.summary());
        System.out.println("wrote " + out.toAbsolutePath() + " (config.json, model.safetensors, tokenizer.json)");
    }
}
