package dev.cpt.model.tokenizer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SentencePiece-style BPE as Llama 2 and Mistral ship it in {@code tokenizer.json}: spaces become {@code ▁} (one is
 * put in front of the text), the base tokens are the characters that cover almost all of the corpus, and any other
 * character is spelled with the 256 byte tokens {@code <0x00>}..{@code <0xFF>}.
 */
final class ByteFallbackLayout implements BpeLayout {

    static final String META_SPACE = "\u2581";
    static final String UNK = "<unk>";
    static final String BOS = "<s>";
    static final String EOS = "</s>";

    /** SentencePiece's default: the rarest characters, 0.05 % of the text, are left to byte fallback. */
    static final double CHARACTER_COVERAGE = 0.9995;

    // For training only: pieces start at a ▁ as SentencePiece's, and runs of ▁ or of newlines are pieces of their own
    private static final Pattern PIECE =
            Pattern.compile("\n+|" + META_SPACE + "?[^" + META_SPACE + "\n]+|" + META_SPACE + "+");

    @Override
    public List<String> preTokens(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = PIECE.matcher(META_SPACE + text.replace(" ", META_SPACE));
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    @Override
    public List<String> baseTokens(SortedMap<String, Long> codePointCounts) {
        List<String> base = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            base.add(byteToken(b));
        }
        long total =
                codePointCounts.values().stream().mapToLong(Long::longValue).sum();
        List<Map.Entry<String, Long>> byCount = new ArrayList<>(codePointCounts.entrySet());
        byCount.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()));
        long covered = 0;
        for (Map.Entry<String, Long> e : byCount) {
            if (covered >= CHARACTER_COVERAGE * total) {
                break;
            }
            base.add(e.getKey());
            covered += e.getValue();
        }
        return base;
    }

    static String byteToken(int b) {
        return String.format("<0x%02X>", b);
    }

    @Override
    public Set<String> mergeable(List<String> baseTokens) {
        // the byte tokens are whole-token fallbacks, never merge parts
        return new LinkedHashSet<>(baseTokens.subList(256, baseTokens.size()));
    }

    @Override
    public List<String> leadingSpecials() {
        return List.of(UNK, BOS, EOS);
    }

    @Override
    public List<String> trailingSpecials() {
        return List.of();
    }

    @Override
    public String bos() {
        return BOS;
    }

    @Override
    public String eos() {
        return EOS;
    }

    @Override
    public Optional<String> unk() {
        return Optional.of(UNK);
    }

    @Override
    public void describePipeline(ObjectNode root) {
        root.putNull("normalizer");
        // Mistral's form (transformers' current conversion of a Llama 2 tokenizer): ▁ in front of the first section
        // only, no split, so the merges run over the whole text as SentencePiece's do
        root.putObject("pre_tokenizer")
                .put("type", "Metaspace")
                .put("replacement", META_SPACE)
                .put("prepend_scheme", "first")
                .put("split", false);
        ArrayNode decoders = root.putObject("decoder").put("type", "Sequence").putArray("decoders");
        ObjectNode replace = decoders.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", META_SPACE);
        replace.put("content", " ");
        decoders.addObject().put("type", "ByteFallback");
        decoders.addObject().put("type", "Fuse");
        decoders.addObject()
                .put("type", "Strip")
                .put("content", " ")
                .put("start", 1)
                .put("stop", 0);
    }

    @Override
    public void describeModel(ObjectNode model) {
        model.put("unk_token", UNK);
        model.put("fuse_unk", true).put("byte_fallback", true).put("ignore_merges", false);
    }
}
