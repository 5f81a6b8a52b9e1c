package dev.cpt.reward;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The reward's terms for one (completion, reference) pair and their weighted sum. Every term is reported apart, with
 * its raw value, whatever its weight:
 * <ul>
 *   <li>{@code similarity}: cosine of the two embeddings, in [-1, 1];
 *   <li>{@code format}: 1 if the trimmed completion matches the pattern and has at most the allowed sentences, else 0;
 *   <li>{@code answer}: 1 if the last number in the completion equals the last number in the reference, else 0;
 *       absent (and weightless) when the reference has no number;
 *   <li>{@code length}: a penalty, 0 up to {@code allowance} times the reference's word count, rising linearly to 1
 *       at twice that.
 * </ul>
 * {@code reward = w_sim * similarity + w_format * format + w_answer * answer - w_length * length}.
 */
public final class RewardTerms {
    public static final String SIMILARITY = "similarity";
    public static final String FORMAT = "format";
    public static final String ANSWER = "answer";
    public static final String LENGTH = "length";

    private static final Pattern NUMBER = Pattern.compile("-?\\d+(?:,\\d{3})*(?:\\.\\d+)?");
    // a sentence ends at . ! or ? followed by white space or the end; "3.5" does not end one
    private static final Pattern SENTENCE_END = Pattern.compile("[.!?]+(?=\\s|$)");

    public record Weights(double similarity, double format, double answer, double length) {}

    private final Weights weights;
    private final Pattern format;
    private final int maxSentences;
    private final double allowance;

    public RewardTerms(Weights weights, String formatPattern, int maxSentences, double allowance) {
        if (allowance <= 0 || maxSentences < 1) {
            throw new IllegalArgumentException("length allowance must be > 0 and max sentences >= 1");
        }
        this.weights = weights;
        this.format = Pattern.compile(formatPattern);
        this.maxSentences = maxSentences;
        this.allowance = allowance;
    }

    static RewardTerms from(RewardConfig.Terms t) {
        return new RewardTerms(
                new Weights(t.similarityWeight(), t.formatWeight(), t.answerWeight(), t.lengthWeight()),
                t.formatPattern(),
                t.formatMaxSentences(),
                t.lengthAllowance());
    }

    /** Every term of one pair, in a stable order. */
    public Map<String, Double> terms(String completion, String reference, double similarity) {
        Map<String, Double> terms = new LinkedHashMap<>();
        terms.put(SIMILARITY, similarity);
        terms.put(FORMAT, format(completion));
        answer(completion, reference).ifPresent(a -> terms.put(ANSWER, a));
        terms.put(LENGTH, lengthPenalty(completion, reference));
        return terms;
    }

    /** The weighted sum of the terms. */
    public double reward(Map<String, Double> terms) {
        return weights.similarity() * terms.get(SIMILARITY)
                + weights.format() * terms.get(FORMAT)
                + weights.answer() * terms.getOrDefault(ANSWER, 0.0)
                - weights.length() * terms.get(LENGTH);
    }

    double format(String completion) {
        String text = completion.strip();
        Matcher ends = SENTENCE_END.matcher(text);
        int sentences = 0;
        while (ends.find()) {
            sentences++;
        }
        return format.matcher(text).matches() && sentences <= maxSentences ? 1.0 : 0.0;
    }

    static Optional<Double> answer(String completion, String reference) {
        Optional<BigDecimal> expected = lastNumber(reference);
        if (expected.isEmpty()) {
            return Optional.empty();
        }
        Optional<BigDecimal> given = lastNumber(completion);
        return Optional.of(given.isPresent() && given.get().compareTo(expected.get()) == 0 ? 1.0 : 0.0);
    }

    static Optional<BigDecimal> lastNumber(String text) {
        Matcher m = NUMBER.matcher(text);
        String last = null;
        while (m.find()) {
            last = m.group();
        }
        return last == null ? Optional.empty() : Optional.of(new BigDecimal(last.replace(",", "")));
    }

    double lengthPenalty(String completion, String reference) {
        double free = allowance * Math.max(1, words(reference));
        double excess = (words(completion) - free) / free;
        return Math.max(0.0, Math.min(1.0, excess));
    }

    private static int words(String text) {
        String t = text.strip();
        return t.isEmpty() ? 0 : t.split("\\s+").length;
    }
}
