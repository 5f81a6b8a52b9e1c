package dev.cpt.model.tokenizer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;

/**
 * What tells one family of BPE {@code tokenizer.json} files from another (how text becomes pre-tokens, which symbols
 * every input can fall back to, the pipeline around the model); {@link BpeTrainer} shares everything else.
 */
interface BpeLayout {

    /** Cuts text into the pre-tokens the merges are learned on, written in the model's alphabet. */
    List<String> preTokens(String text);

    /**
     * The tokens every input can fall back to, in id order.
     *
     * @param codePointCounts how often each code point occurs in the pre-tokens
     */
    List<String> baseTokens(SortedMap<String, Long> codePointCounts);

    /** The symbols merges may combine, out of {@link #baseTokens}. */
    Set<String> mergeable(List<String> baseTokens);

    /** Special tokens with the lowest ids (before the base tokens). */
    List<String> leadingSpecials();

    /** Special tokens with the highest ids (after the merges). */
    List<String> trailingSpecials();

    String bos();

    String eos();

    Optional<String> unk();

    /** Adds the normalizer, pre-tokenizer and decoder; the post-processor and model are common. */
    void describePipeline(ObjectNode root);

    /** Sets the BPE model's options ({@code byte_fallback}, {@code ignore_merges}, ...). */
    void describeModel(ObjectNode model);
}
