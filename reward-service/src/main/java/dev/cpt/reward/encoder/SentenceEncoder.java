package dev.cpt.reward.encoder;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.cpt.common.FileTrees;
import dev.cpt.common.io.SafeTensors;
import dev.cpt.common.io.SafeTensors.Tensor;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.model.engine.NativeArrays;
import dev.cpt.model.engine.OfflineEngine;
import dev.cpt.model.io.Gpt2Weights;
import dev.cpt.model.tokenizer.HuggingFaceTokenizerAdapter;
import dev.cpt.model.train.AdamW;
import dev.cpt.model.train.GradientNorm;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * A BERT sentence encoder with its WordPiece tokenizer, on DJL's PyTorch engine. Loads the Hugging Face layout:
 * {@code config.json}, {@code model.safetensors} ({@code BertModel} names, with or without the {@code bert.} prefix; a
 * {@code pooler.} head is ignored) and {@code tokenizer.json}; where the directory is a sentence-transformers one
 * ({@code modules.json}), its pooling, normalisation and truncation length too ({@link SentenceTransformerLayout}).
 * A plain Hugging Face directory gets mean pooling, no normalisation and truncation at
 * {@code max_position_embeddings} ({@link EncoderHead#plain}). Saves both, so a saved encoder loads back the same.
 *
 * <p>Methods are synchronized: one forward or training step at a time per encoder.
 */
public final class SentenceEncoder implements AutoCloseable {
    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final String TOKENIZER_FILE = "tokenizer.json";
    /** Additive attention bias for padding keys: exp() of it is exactly 0 in float32. */
    private static final float MASKED = -1e9f;

    static {
        OfflineEngine.ensureOffline();
    }

    private final BertConfig config;
    private final EncoderHead head;
    private final byte[] tokenizerJson;
    private final HuggingFaceTokenizer tokenizer;
    private final Engine engine;
    private final NDManager manager;
    private final BertEncoderBlock block;
    private final Map<String, Parameter> parameters;
    private AdamW optimizer;

    private SentenceEncoder(BertConfig config, EncoderHead head, byte[] tokenizerJson, long seed, Device device)
            throws IOException {
        int tokenizerVocab = HuggingFaceTokenizerAdapter.vocabSizeOf(tokenizerJson);
        if (tokenizerVocab > config.vocabSize()) {
            throw new IOException(
                    "tokenizer.json has " + tokenizerVocab + " ids but vocab_size is " + config.vocabSize());
        }
        if (head.maxSeqLength() > config.maxPositions()) {
            throw new IOException("max_seq_length " + head.maxSeqLength() + " exceeds max_position_embeddings "
                    + config.maxPositions());
        }
        this.config = config;
        this.head = head;
        this.tokenizerJson = tokenizerJson.clone();
        this.tokenizer = HuggingFaceTokenizer.newInstance(
                new ByteArrayInputStream(tokenizerJson),
                Map.of(
                        "addSpecialTokens", "true",
                        "padding", "false",
                        "truncation", "true",
                        "maxLength", Integer.toString(head.maxSeqLength()),
                        "modelMaxLength", Integer.toString(head.maxSeqLength())));
        this.engine = OfflineEngine.get();
        this.manager = engine.newBaseManager(device);
        this.block = new BertEncoderBlock(config, head, seed);
        int p = config.maxPositions();
        block.initialize(
                manager, DataType.FLOAT32, new Shape(1, p), new Shape(1, p), new Shape(1, p), new Shape(1, 1, 1, p));
        this.parameters = block.huggingFaceParameters();
    }

    /**
     * A freshly initialised encoder (BERT's normal(0, 0.02) initialisation, seeded), on the CPU, with a plain head
     * (mean pooling, no normalisation).
     */
    public static SentenceEncoder create(BertConfig config, byte[] tokenizerJson, long seed) throws IOException {
        return create(config, tokenizerJson, seed, Device.cpu());
    }

    /** As {@link #create(BertConfig, byte[], long)}, the weights on {@code device}. */
    public static SentenceEncoder create(BertConfig config, byte[] tokenizerJson, long seed, Device device)
            throws IOException {
        return create(config, EncoderHead.plain(config), tokenizerJson, seed, device);
    }

    /**
     * A freshly initialised encoder with a sentence-transformers {@code head} (pooling, normalisation, truncation),
     * which {@link #save} writes as {@code modules.json}, {@code 1_Pooling/config.json} and
     * {@code sentence_bert_config.json}: how a test makes a sentence-transformers directory without Python.
     */
    public static SentenceEncoder create(
            BertConfig config, EncoderHead head, byte[] tokenizerJson, long seed, Device device) throws IOException {
        return new SentenceEncoder(config, head, tokenizerJson, seed, device);
    }

    /** Loads a Hugging Face directory onto the CPU (see {@link #load(Path, Device)}). */
    public static SentenceEncoder load(Path dir) throws IOException {
        return load(dir, Device.cpu());
    }

    /**
     * Loads a Hugging Face directory: {@code config.json}, {@code model.safetensors}, {@code tokenizer.json}, and the
     * sentence-transformers files where {@code modules.json} is present; the weights on {@code device}.
     */
    public static SentenceEncoder load(Path dir, Device device) throws IOException {
        for (String file : List.of(BertConfig.FILE, WEIGHTS_FILE, TOKENIZER_FILE)) {
            if (!Files.isRegularFile(dir.resolve(file))) {
                throw new IOException(dir + " is not a sentence-encoder directory: " + file + " is missing");
            }
        }
        BertConfig config = BertConfig.read(dir.resolve(BertConfig.FILE));
        EncoderHead head = SentenceTransformerLayout.isPresent(dir)
                ? SentenceTransformerLayout.read(dir, config)
                : EncoderHead.plain(config);
        SafeTensors.Contents contents = SafeTensors.read(dir.resolve(WEIGHTS_FILE));
        SentenceEncoder encoder =
                new SentenceEncoder(config, head, Files.readAllBytes(dir.resolve(TOKENIZER_FILE)), 0L, device);
        try {
            encoder.loadWeights(contents.tensors());
            return encoder;
        } catch (RuntimeException e) {
            encoder.close();
            throw new IOException(dir.resolve(WEIGHTS_FILE) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes the Hugging Face layout and the sentence-transformers files (5.x layout, see
     * {@link SentenceTransformerLayout#write}) into {@code dir}, which must not exist. Files go to a sibling temp
     * directory first and are renamed into place, so a reader (or a second replica writing the same cache) never sees
     * half a model.
     */
    public synchronized void save(Path dir) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        Files.createDirectories(target.getParent());
        if (Files.exists(target)) {
            throw new FileAlreadyExistsException(target.toString());
        }
        Path tmp = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".tmp-");
        try {
            config.write(tmp.resolve(BertConfig.FILE));
            SafeTensors.write(tmp.resolve(WEIGHTS_FILE), weights(), Map.of("format", "pt"));
            Files.write(tmp.resolve(TOKENIZER_FILE), tokenizerJson);
            SentenceTransformerLayout.write(tmp, head, config);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            FileTrees.delete(tmp);
            throw e;
        }
    }

    // ---------------------------------------------------------------- inference

    /**
     * Tokenizes texts ([CLS] text [SEP], truncated to the head's {@code max_seq_length}) into one padded batch. The
     * tokenizer applies {@code tokenizer.json}'s normalizer (e.g. BertNormalizer's lower-casing and accent stripping);
     * texts are lower-cased before that only where the head says so ({@code do_lower_case}).
     */
    public TokenBatch tokenize(List<String> texts) {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("no texts to tokenize");
        }
        List<String> prepared = head.lowerCase()
                ? texts.stream().map(t -> t.toLowerCase(Locale.ROOT)).toList()
                : texts;
        // one text at a time: batchEncode hands the texts to a thread pool whose wake-up cost more than it saved
        // (9 short texts after an idle spell: p99 9.2 against 1.7 ms; at 64 texts the two take the same time)
        Encoding[] encodings = new Encoding[prepared.size()];
        for (int i = 0; i < encodings.length; i++) {
            encodings[i] = tokenizer.encode(prepared.get(i));
        }
        long[][] ids = new long[encodings.length][];
        long[][] types = new long[encodings.length][];
        for (int i = 0; i < encodings.length; i++) {
            ids[i] = encodings[i].getIds();
            types[i] = encodings[i].getTypeIds();
        }
        return TokenBatch.of(ids, types);
    }

    /** Sentence embeddings (pooled, normalised where the head says so), one row per text, in one forward pass. */
    public float[][] embed(List<String> texts) {
        return embed(tokenize(texts));
    }

    /** Sentence embeddings of an already tokenized batch. */
    public synchronized float[][] embed(TokenBatch batch) {
        try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad();
                NDScope scope = new NDScope();
                NDManager step = manager.newSubManager()) {
            float[] flat = forward(step, batch, false).toFloatArray();
            float[][] rows = new float[batch.rows()][];
            int c = config.hiddenSize();
            for (int r = 0; r < rows.length; r++) {
                rows[r] = Arrays.copyOfRange(flat, r * c, (r + 1) * c);
            }
            return rows;
        }
    }

    /** Scales a vector to unit L2 norm (computed in double); the zero vector stays zero. */
    public static float[] normalize(float[] v) {
        double norm = Math.sqrt(dot(v, v));
        float[] out = new float[v.length];
        for (int i = 0; i < v.length && norm > 0; i++) {
            out[i] = (float) (v[i] / norm);
        }
        return out;
    }

    /** Cosine similarity in double precision, clamped to [-1, 1]; 0 when either vector is zero. */
    public static double cosine(float[] a, float[] b) {
        double na = dot(a, a);
        double nb = dot(b, b);
        if (na == 0 || nb == 0) {
            return 0;
        }
        return Math.max(-1.0, Math.min(1.0, dot(a, b) / (Math.sqrt(na) * Math.sqrt(nb))));
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    // ---------------------------------------------------------------- training

    /** Outcome of one contrastive step; {@code applied} is false when the loss or a gradient was not finite. */
    public record StepResult(double loss, double gradNorm, boolean applied) {}

    /**
     * One InfoNCE step with in-batch negatives. The batch holds 2N rows: rows 0..N-1 are anchors, rows N..2N-1 their
     * positives; every other positive in the batch is a negative for an anchor. Loss = mean over anchors of
     * {@code -log softmax(cos(a_i, p_j) / temperature)_i}. Returns the loss and the gradient norm before clipping.
     */
    public synchronized StepResult contrastiveStep(TokenBatch pairs, float temperature, OptimizerSettings settings) {
        if (pairs.rows() < 2 || pairs.rows() % 2 != 0) {
            throw new IllegalArgumentException(
                    "a contrastive batch needs an even number of rows >= 2, got " + pairs.rows());
        }
        if (optimizer == null) {
            // created on first use: a serving encoder never pays for the moment tensors
            optimizer = new AdamW(parameters, manager);
        }
        try (NDScope scope = new NDScope();
                NDManager step = manager.newSubManager()) {
            NDArray loss;
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray embeddings = forward(step, pairs, true);
                loss = infoNce(step, embeddings, pairs.rows() / 2, temperature);
                collector.backward(loss);
            }
            double lossValue = loss.getFloat();
            double gradNorm = GradientNorm.of(parameters.values());
            if (!Double.isFinite(lossValue) || !Double.isFinite(gradNorm)) {
                optimizer.zeroGradients();
                return new StepResult(lossValue, gradNorm, false);
            }
            optimizer.update(settings, GradientNorm.clipFactor(gradNorm, settings.maxGradNorm()));
            return new StepResult(lossValue, gradNorm, true);
        }
    }

    private static NDArray infoNce(NDManager m, NDArray embeddings, int n, float temperature) {
        // unit vectors, so the dot products below are cosines
        NDArray unit =
                embeddings.div(embeddings.square().sum(new int[] {1}, true).sqrt());
        NDArray anchors = unit.get(new NDIndex("0:{}", n));
        NDArray positives = unit.get(new NDIndex("{}:", n));
        // similarity of every anchor to every positive [N, N], sharpened by the temperature (libtorch-owned factor)
        NDArray logits = anchors.matMul(positives.transpose()).mul(NativeArrays.scalar(m, 1f / temperature));
        // the matching positive sits on the diagonal; eye() is allocated by libtorch, so autograd may keep it
        NDArray picked = logits.logSoftmax(1).mul(m.eye(n));
        return picked.sum().neg().div(NativeArrays.scalar(m, n));
    }

    // ---------------------------------------------------------------- weights

    /** A copy of every weight under its Hugging Face name (no prefix). */
    public synchronized Map<String, Tensor> weights() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        parameters.forEach((name, p) -> {
            NDArray a = p.getArray();
            out.put(name, new Tensor(a.getShape().getShape(), a.toFloatArray()));
        });
        return out;
    }

    private void loadWeights(Map<String, Tensor> tensors) {
        Map<String, Tensor> byName = new LinkedHashMap<>();
        TreeSet<String> unexpected = new TreeSet<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey().startsWith("bert.") ? e.getKey().substring("bert.".length()) : e.getKey();
            if (name.startsWith("pooler.")) {
                continue; // BertModel's [CLS] pooler head: sentence embeddings are mean-pooled instead
            }
            if (parameters.containsKey(name)) {
                byName.put(name, e.getValue());
            } else {
                unexpected.add(e.getKey());
            }
        }
        if (!unexpected.isEmpty()) {
            throw new IllegalArgumentException("tensors that are not part of a BERT encoder: " + unexpected);
        }
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            Tensor t = byName.get(e.getKey());
            if (t == null) {
                throw new IllegalArgumentException("missing tensor " + e.getKey());
            }
            NDArray target = e.getValue().getArray();
            if (!Arrays.equals(t.shape(), target.getShape().getShape())) {
                throw new IllegalArgumentException("tensor " + e.getKey() + " has shape " + Arrays.toString(t.shape())
                        + ", the config needs " + target.getShape());
            }
            Gpt2Weights.replace(target, t.data());
        }
    }

    // ---------------------------------------------------------------- internals

    private NDArray forward(NDManager step, TokenBatch b, boolean training) {
        if (b.width() > config.maxPositions()) {
            throw new IllegalArgumentException(
                    b.width() + " tokens, the encoder has " + config.maxPositions() + " positions");
        }
        for (long type : b.types()) {
            if (type < 0 || type >= config.typeVocabSize()) {
                throw new IllegalArgumentException(
                        "token type " + type + ", the encoder has type_vocab_size " + config.typeVocabSize());
            }
        }
        Shape shape = new Shape(b.rows(), b.width());
        float[] mask = new float[b.mask().length];
        float[] keyBias = new float[mask.length];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = b.mask()[i];
            keyBias[i] = b.mask()[i] == 1 ? 0f : MASKED;
        }
        // libtorch-owned inputs: autograd keeps the ids and the mask for the backward pass
        NDList inputs = new NDList(
                NativeArrays.create(step, b.ids(), shape),
                NativeArrays.create(step, b.types(), shape),
                NativeArrays.create(step, mask, shape),
                NativeArrays.create(step, keyBias, new Shape(b.rows(), 1, 1, b.width())));
        // a fresh store each call: it only caches references, and weights may have been replaced
        return block.forward(new ParameterStore(manager, false), inputs, training)
                .head();
    }

    public BertConfig config() {
        return config;
    }

    /** Pooling, normalisation and truncation around the BERT. */
    public EncoderHead head() {
        return head;
    }

    /** The device the weights (and, once trained, the optimizer moments) live on. */
    public Device device() {
        return manager.getDevice();
    }

    public long parameterCount() {
        return parameters.values().stream().mapToLong(p -> p.getArray().size()).sum();
    }

    @Override
    public synchronized void close() {
        if (optimizer != null) {
            optimizer.close();
        }
        manager.close();
        tokenizer.close();
    }
}
