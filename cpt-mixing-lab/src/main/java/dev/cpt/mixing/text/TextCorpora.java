package dev.cpt.mixing.text;

import dev.cpt.model.tokenizer.BpeTrainer;
import dev.cpt.model.tokenizer.Tokenizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The domains of a benchmark, tokenized once: a byte-level BPE is trained on the general domain's training documents
 * at the model's vocabulary size (the base model's tokenizer exists before any other domain arrives, as in the
 * demo's stage 0), and every domain's documents are cut with it.
 */
public final class TextCorpora {
    private final String general;
    private final Tokenizer tokenizer;
    private final Map<String, Tokenized> domains = new LinkedHashMap<>();

    /** A domain's documents as token ids, in the order {@link TextDomain} gives them. */
    public record Tokenized(String name, List<int[]> train, List<int[]> heldout) {}

    /**
     * @param domains the general domain first, then every domain any sequence of the benchmark uses
     * @param vocabSize the model's vocabulary
     */
    public TextCorpora(List<TextDomain> domains, int vocabSize) {
        if (domains.size() < 2) {
            throw new IllegalArgumentException("a benchmark needs a general domain and at least one more");
        }
        this.general = domains.get(0).name();
        this.tokenizer = BpeTrainer.train(domains.get(0).train(), BpeTrainer.Style.BYTE_LEVEL, vocabSize)
                .load();
        for (TextDomain d : domains) {
            if (this.domains.containsKey(d.name())) {
                throw new IllegalArgumentException("domain " + d.name() + " is named twice");
            }
            this.domains.put(
                    d.name(),
                    new Tokenized(
                            d.name(),
                            d.train().stream().map(tokenizer::encode).toList(),
                            d.heldout().stream().map(tokenizer::encode).toList()));
        }
    }

    public String general() {
        return general;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public Tokenized domain(String name) {
        Tokenized d = domains.get(name);
        if (d == null) {
            throw new IllegalArgumentException("unknown domain " + name + ", loaded: " + domains.keySet());
        }
        return d;
    }
}
