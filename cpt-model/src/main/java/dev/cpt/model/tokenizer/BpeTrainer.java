package dev.cpt.model.tokenizer;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cpt.common.FileTrees;
import dev.cpt.common.tokenizer.SpecialTokens;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;

/**
 * Trains a small BPE tokenizer on a text corpus and writes it as Hugging Face files ({@code tokenizer.json},
 * {@code tokenizer_config.json}, {@code special_tokens_map.json}) that DJL's Rust tokenizers, transformers and
 * tokenizers.js all load. The same texts give the same bytes, so a committed tokenizer can be checked by retraining.
 *
 * <p>Run it on the shipped corpora: {@code java -cp ... dev.cpt.model.tokenizer.BpeTrainer byte-level 2048 OUT_DIR
 * corpus/general/documents.jsonl.gz ...}.
 */
public final class BpeTrainer {

    /** The two families of BPE tokenizer in today's open models. */
    public enum Style {
        /** GPT-2, Llama 3, Qwen2: BPE over UTF-8 bytes shown as printable characters. */
        BYTE_LEVEL("byte-level", ByteLevelLayout::new),
        /** Llama 2, Mistral: SentencePiece-style BPE over characters, {@code <0xNN>} tokens for the rest. */
        BYTE_FALLBACK("byte-fallback", ByteFallbackLayout::new);

        private final String label;
        private final Supplier<BpeLayout> layout;

        Style(String label, Supplier<BpeLayout> layout) {
            this.label = label;
            this.layout = layout;
        }

        public String label() {
            return label;
        }

        public static Style ofLabel(String label) {
            for (Style s : values()) {
                if (s.label.equals(label)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown style '" + label + "'; use byte-level or byte-fallback");
        }
    }

    /** The three files a Hugging Face tokenizer directory holds. */
    public record TrainedTokenizer(byte[] tokenizerJson, byte[] tokenizerConfigJson, byte[] specialTokensMapJson) {

        public void writeTo(Path dir) throws IOException {
            Files.createDirectories(dir);
            Files.write(dir.resolve(TokenizerStore.HF_FILE), tokenizerJson);
            Files.write(dir.resolve(SpecialTokens.TOKENIZER_CONFIG), tokenizerConfigJson);
            Files.write(dir.resolve(SpecialTokens.SPECIAL_TOKENS_MAP), specialTokensMapJson);
        }

        /**
         * The tokenizer, loaded from its files as any Hugging Face directory is (so BOS and EOS come from
         * {@code tokenizer_config.json}); the files go to a temporary directory that is deleted again.
         */
        public Tokenizer load() {
            Path files = null;
            try {
                files = Files.createTempDirectory("cpt-bpe-tokenizer-");
                writeTo(files);
                return HuggingFaceTokenizerAdapter.load(files);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the trained tokenizer", e);
            } finally {
                if (files != null) {
                    FileTrees.delete(files);
                }
            }
        }
    }

    /** A pair must occur at least this often to be merged: a merge seen once only memorises the corpus. */
    static final long MIN_PAIR_COUNT = 2;

    private static final ObjectMapper JSON = new ObjectMapper();
    // one vocabulary entry or merge per line, '\n' on every platform: the bytes must not depend on where it ran
    private static final ObjectWriter WRITER = JSON.writer(new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")));

    private BpeTrainer() {}

    /**
     * Learns merges until the vocabulary (special tokens included) has {@code vocabSize} entries or no pair occurs
     * twice.
     */
    public static TrainedTokenizer train(Iterable<String> texts, Style style, int vocabSize) {
        BpeLayout layout = style.layout.get();
        SortedMap<String, Long> words = new TreeMap<>();
        for (String text : texts) {
            for (String word : layout.preTokens(text)) {
                words.merge(word, 1L, Long::sum);
            }
        }
        SortedMap<String, Long> codePoints = new TreeMap<>();
        words.forEach((word, count) ->
                word.codePoints().forEach(cp -> codePoints.merge(Character.toString(cp), count, Long::sum)));
        List<String> base = layout.baseTokens(codePoints);

        Map<String, Integer> vocab = new LinkedHashMap<>();
        layout.leadingSpecials().forEach(t -> vocab.put(t, vocab.size()));
        base.forEach(t -> vocab.put(t, vocab.size()));
        int budget = vocabSize - vocab.size() - layout.trailingSpecials().size();
        if (budget < 0) {
            throw new IllegalArgumentException(
                    "vocabSize " + vocabSize + " is below the " + style.label + " layout's base vocabulary of "
                            + (vocab.size() + layout.trailingSpecials().size()));
        }
        BpeMerges.Learned learned = BpeMerges.learn(words, layout.mergeable(base), budget, MIN_PAIR_COUNT);
        learned.newTokens().forEach(t -> vocab.put(t, vocab.size()));

        Map<String, Integer> specials = new LinkedHashMap<>();
        layout.leadingSpecials().forEach(t -> specials.put(t, vocab.get(t)));
        layout.trailingSpecials().forEach(t -> specials.put(t, vocab.size() + specials.size()));

        ObjectNode root = tokenizerJson(layout, vocab, learned.merges(), specials);
        try {
            return new TrainedTokenizer(bytes(root), bytes(tokenizerConfig(layout)), bytes(specialTokensMap(layout)));
        } catch (IOException e) {
            throw new UncheckedIOException("serialising an in-memory tree cannot fail", e);
        }
    }

    private static ObjectNode tokenizerJson(
            BpeLayout layout, Map<String, Integer> vocab, List<String[]> merges, Map<String, Integer> specials) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        specials.forEach((content, id) -> added.addObject()
                .put("id", id)
                .put("content", content)
                .put("single_word", false)
                .put("lstrip", false)
                .put("rstrip", false)
                .put("normalized", false)
                .put("special", true));
        // the field order of the files the Rust library writes
        for (String field : List.of("normalizer", "pre_tokenizer", "post_processor", "decoder")) {
            root.putNull(field);
        }
        layout.describePipeline(root);
        root.set("post_processor", bosTemplate(layout.bos(), specials.get(layout.bos())));

        ObjectNode model = root.putObject("model").put("type", "BPE");
        model.putNull("dropout");
        layout.describeModel(model);
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        // "left right" strings, as GPT-2, Llama 2 and 3 and Qwen2 ship them; no symbol holds a U+0020 space (the byte
        // layout writes it as Ġ, the SentencePiece one as ▁), so the split is unambiguous
        ArrayNode m = model.putArray("merges");
        for (String[] merge : merges) {
            if (merge[0].contains(" ") || merge[1].contains(" ")) {
                throw new IllegalStateException("merge part holds a space: " + merge[0] + " + " + merge[1]);
            }
            m.add(merge[0] + " " + merge[1]);
        }
        return root;
    }

    /** Puts BOS in front of every sequence, as both Llama generations do when special tokens are wanted. */
    private static ObjectNode bosTemplate(String bos, int bosId) {
        ObjectNode template = JSON.createObjectNode().put("type", "TemplateProcessing");
        ArrayNode single = template.putArray("single");
        bosThen(single, bos, "A", 0);
        ArrayNode pair = template.putArray("pair");
        bosThen(pair, bos, "A", 0);
        bosThen(pair, bos, "B", 1);
        ObjectNode entry = template.putObject("special_tokens").putObject(bos).put("id", bos);
        entry.putArray("ids").add(bosId);
        entry.putArray("tokens").add(bos);
        return template;
    }

    private static void bosThen(ArrayNode template, String bos, String sequence, int typeId) {
        template.addObject().putObject("SpecialToken").put("id", bos).put("type_id", typeId);
        template.addObject().putObject("Sequence").put("id", sequence).put("type_id", typeId);
    }

    private static ObjectNode tokenizerConfig(BpeLayout layout) {
        ObjectNode config = JSON.createObjectNode();
        config.put("add_bos_token", true).put("add_eos_token", false);
        config.put("bos_token", layout.bos()).put("eos_token", layout.eos());
        layout.unk().ifPresent(unk -> config.put("unk_token", unk));
        config.put("clean_up_tokenization_spaces", false);
        config.put("tokenizer_class", "PreTrainedTokenizerFast");
        return config;
    }

    /** The object form of each token (the string form is read too, see {@link SpecialTokens}). */
    private static ObjectNode specialTokensMap(BpeLayout layout) {
        ObjectNode map = JSON.createObjectNode();
        map.set("bos_token", specialToken(layout.bos()));
        map.set("eos_token", specialToken(layout.eos()));
        layout.unk().ifPresent(unk -> map.set("unk_token", specialToken(unk)));
        return map;
    }

    private static JsonNode specialToken(String content) {
        return JSON.createObjectNode()
                .put("content", content)
                .put("lstrip", false)
                .put("normalized", false)
                .put("rstrip", false)
                .put("single_word", false);
    }

    private static byte[] bytes(JsonNode node) throws IOException {
        byte[] body = WRITER.writeValueAsBytes(node);
        byte[] out = new byte[body.length + 1];
        System.arraycopy(body, 0, out, 0, body.length);
        out[body.length] = '\n';
        return out;
    }

    /** The {@code text} of every document in a shipped corpus file ({@code corpus/NAME/documents.jsonl.gz}). */
    public static List<String> readCorpus(Path jsonlGz) throws IOException {
        List<String> texts = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(new GZIPInputStream(Files.newInputStream(jsonlGz)), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.isBlank()) {
                    texts.add(JSON.readTree(line).path("text").asText());
                }
            }
        }
        return texts;
    }

    /** {@code STYLE VOCAB_SIZE OUT_DIR CORPUS.jsonl.gz...}: trains on the corpora in the order given. */
    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            throw new IllegalArgumentException(
                    "usage: BpeTrainer byte-level|byte-fallback VOCAB_SIZE OUT_DIR CORPUS.jsonl.gz...");
        }
        List<String> texts = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            texts.addAll(readCorpus(Path.of(args[i])));
        }
        train(texts, Style.ofLabel(args[0]), Integer.parseInt(args[1])).writeTo(Path.of(args[2]));
    }
}
