package dev.cpt.reward.encoder;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Builds a Hugging Face WordPiece {@code tokenizer.json} (BERT normaliser and pre-tokenizer, {@code [CLS] text [SEP]})
 * from the training texts: the special tokens, every printable ASCII character alone and as a {@code ##}
 * continuation (so any ASCII word can be spelled), then the most frequent whole words.
 */
public final class WordPieceVocabulary {
    public static final List<String> SPECIALS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");
    private static final ObjectMapper JSON = new ObjectMapper();

    private WordPieceVocabulary() {}

    /** A {@code tokenizer.json} and the number of tokens in its vocabulary. */
    public record Built(byte[] json, int size) {}

    /** The {@code tokenizer.json} for a vocabulary of at most {@code maxSize} tokens. */
    public static Built build(Iterable<String> texts, int maxSize) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        SPECIALS.forEach(s -> vocab.put(s, vocab.size()));
        for (char c = 33; c < 127; c++) {
            vocab.putIfAbsent(String.valueOf(c), vocab.size());
        }
        for (char c = 33; c < 127; c++) {
            vocab.putIfAbsent("##" + c, vocab.size());
        }
        if (vocab.size() > maxSize) {
            throw new IllegalArgumentException(
                    "a vocabulary needs at least " + vocab.size() + " tokens, got " + maxSize);
        }
        Map<String, Integer> counts = new HashMap<>();
        for (String text : texts) {
            for (String word : words(text)) {
                counts.merge(word, 1, Integer::sum);
            }
        }
        // most frequent first, ties alphabetical, so the vocabulary is a pure function of the texts
        TreeSet<Map.Entry<String, Integer>> ranked = new TreeSet<>(
                Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        ranked.addAll(counts.entrySet());
        for (Map.Entry<String, Integer> e : ranked) {
            if (vocab.size() >= maxSize || e.getValue() < 2) {
                break;
            }
            vocab.putIfAbsent(e.getKey(), vocab.size());
        }
        return new Built(toJson(vocab), vocab.size());
    }

    /** Lower-cased words with punctuation split off, roughly as BERT's normaliser and pre-tokenizer see them. */
    static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (char c : text.toLowerCase(Locale.ROOT).toCharArray()) {
            if (Character.isLetterOrDigit(c)) {
                word.append(c);
                continue;
            }
            if (!word.isEmpty()) {
                out.add(word.toString());
                word.setLength(0);
            }
            if (!Character.isWhitespace(c)) {
                out.add(String.valueOf(c));
            }
        }
        if (!word.isEmpty()) {
            out.add(word.toString());
        }
        return out;
    }

    private static byte[] toJson(Map<String, Integer> vocab) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String s : SPECIALS) {
            added.addObject()
                    .put("id", vocab.get(s))
                    .put("content", s)
                    .put("single_word", false)
                    .put("lstrip", false)
                    .put("rstrip", false)
                    .put("normalized", false)
                    .put("special", true);
        }
        root.putObject("normalizer")
                .put("type", "BertNormalizer")
                .put("clean_text", true)
                .put("handle_chinese_chars", true)
                .putNull("strip_accents")
                .put("lowercase", true);
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "[CLS]").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        single.addObject().putObject("SpecialToken").put("id", "[SEP]").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", "[CLS]").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", "[SEP]").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        pair.addObject().putObject("SpecialToken").put("id", "[SEP]").put("type_id", 1);
        ObjectNode specials = post.putObject("special_tokens");
        for (String s : List.of("[CLS]", "[SEP]")) {
            ObjectNode entry = specials.putObject(s).put("id", s);
            entry.putArray("ids").add(vocab.get(s));
            entry.putArray("tokens").add(s);
        }
        root.putObject("decoder").put("type", "WordPiece").put("prefix", "##").put("cleanup", true);
        ObjectNode model = root.putObject("model")
                .put("type", "WordPiece")
                .put("unk_token", "[UNK]")
                .put("continuing_subword_prefix", "##")
                .put("max_input_chars_per_word", 100);
        ObjectNode ids = model.putObject("vocab");
        vocab.forEach(ids::put);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
