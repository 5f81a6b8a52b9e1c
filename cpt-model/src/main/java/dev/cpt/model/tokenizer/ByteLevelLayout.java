package dev.cpt.model.tokenizer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte-level BPE as Llama 3 writes it (GPT-2's byte alphabet, Llama 3's split pattern): every UTF-8 byte is a base
 * token, so any text encodes without an unknown token, and merges never cross the pre-tokenizer's words.
 */
final class ByteLevelLayout implements BpeLayout {

    /**
     * Llama 3's pattern (also Qwen2's but for {@code \p{N}}): contractions in any case, a letter run with at most one
     * leading non-letter, numbers in groups of up to three digits, punctuation runs, newlines, other whitespace. Both
     * Rust tokenizers (Oniguruma) and tokenizers.js (its Oniguruma-to-JavaScript rewrite) run it.
     */
    static final String SPLIT_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    static final String BEGIN_OF_TEXT = "<|begin_of_text|>";
    static final String END_OF_TEXT = "<|end_of_text|>";

    // Java's \s is ASCII unless told otherwise; Oniguruma's is Unicode White_Space
    private static final Pattern SPLIT = Pattern.compile(SPLIT_PATTERN, Pattern.UNICODE_CHARACTER_CLASS);

    /** GPT-2's map from byte to a printable character, so that a byte string is a readable JSON key. */
    private static final char[] BYTE_TO_CHAR = byteToChar();

    @Override
    public List<String> preTokens(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = SPLIT.matcher(text);
        while (m.find()) {
            out.add(toByteChars(m.group()));
        }
        return out;
    }

    static String toByteChars(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            sb.append(BYTE_TO_CHAR[b & 0xFF]);
        }
        return sb.toString();
    }

    @Override
    public List<String> baseTokens(SortedMap<String, Long> codePointCounts) {
        // id = byte value: the first 256 ids mean what they mean to ByteTokenizer
        List<String> bytes = new ArrayList<>(256);
        for (char c : BYTE_TO_CHAR) {
            bytes.add(String.valueOf(c));
        }
        return bytes;
    }

    @Override
    public Set<String> mergeable(List<String> baseTokens) {
        return new LinkedHashSet<>(baseTokens);
    }

    @Override
    public List<String> leadingSpecials() {
        return List.of();
    }

    @Override
    public List<String> trailingSpecials() {
        return List.of(BEGIN_OF_TEXT, END_OF_TEXT);
    }

    @Override
    public String bos() {
        return BEGIN_OF_TEXT;
    }

    @Override
    public String eos() {
        return END_OF_TEXT;
    }

    @Override
    public Optional<String> unk() {
        return Optional.empty();
    }

    @Override
    public void describePipeline(ObjectNode root) {
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer").put("type", "Sequence");
        ArrayNode steps = pre.putArray("pretokenizers");
        ObjectNode split = steps.addObject().put("type", "Split");
        split.putObject("pattern").put("Regex", SPLIT_PATTERN);
        split.put("behavior", "Isolated").put("invert", false);
        // the split above did the word cutting, so ByteLevel only maps bytes (use_regex false)
        byteLevel(steps.addObject(), false);
        byteLevel(root.putObject("decoder"), true);
    }

    private static void byteLevel(ObjectNode node, boolean useRegex) {
        node.put("type", "ByteLevel")
                .put("add_prefix_space", false)
                .put("trim_offsets", true)
                .put("use_regex", useRegex);
    }

    @Override
    public void describeModel(ObjectNode model) {
        model.putNull("unk_token");
        model.put("fuse_unk", false).put("byte_fallback", false);
        // as Llama 3: a pre-token that is itself in the vocabulary is taken whole, before any merge is tried
        model.put("ignore_merges", true);
    }

    private static char[] byteToChar() {
        char[] map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char) b : (char) next++;
        }
        return map;
    }
}
