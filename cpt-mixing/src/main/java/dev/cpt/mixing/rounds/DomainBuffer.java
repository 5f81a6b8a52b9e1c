package dev.cpt.mixing.rounds;

import dev.cpt.contracts.PackedSequence;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * The fresh tokens of one domain waiting to be packed, in arrival order, with the documents they came from.
 * A document is released (its Kafka message acknowledged) only once its last token has left in a sequence,
 * so a crash never loses a document that was buffered but not yet trained on. Each cut sequence marks where
 * documents begin in it; with a separator token configured, one follows every document.
 */
public final class DomainBuffer {
    /** The separator setting for no separator token: boundaries are marked only in each sequence's documentStarts. */
    public static final int NO_SEPARATOR = -1;

    private final String domain;
    private final int separator;
    private int[] tokens = new int[1024];
    private long start; // absolute position of tokens[0]
    private int size;
    private final Deque<Pending> documents = new ArrayDeque<>();

    /** A buffered document: positions [begin, end) of the stream, separator included. */
    private record Pending(BufferedDocument document, long begin, long end) {}

    /** A document whose last token has been cut, with its tokens for the replay reservoir and its release. */
    public record BufferedDocument(String domain, String id, int[] tokens, Runnable release) {}

    /** A sequence cut from the buffer, and the documents it completed. */
    public record Cut(PackedSequence sequence, List<BufferedDocument> completed) {}

    public DomainBuffer(String domain, int separator) {
        this.domain = domain;
        this.separator = separator;
    }

    public void add(String documentId, int[] documentTokens, Runnable release) {
        int length = documentTokens.length + (separator == NO_SEPARATOR ? 0 : 1);
        if (size + length > tokens.length) {
            tokens = Arrays.copyOf(tokens, Math.max(tokens.length * 2, size + length));
        }
        long begin = start + size;
        System.arraycopy(documentTokens, 0, tokens, size, documentTokens.length);
        size += documentTokens.length;
        if (separator != NO_SEPARATOR) {
            tokens[size++] = separator;
        }
        documents.addLast(
                new Pending(new BufferedDocument(domain, documentId, documentTokens, release), begin, start + size));
    }

    public int bufferedTokens() {
        return size;
    }

    /** Whole sequences of {@code length} tokens that can be cut now. */
    public int fullSequences(int length) {
        return size / length;
    }

    /** Sequences a flush can cut: the whole ones and a tail of at least two tokens. */
    int flushSequences(int length) {
        return fullSequences(length) + (size % length >= 2 ? 1 : 0);
    }

    /**
     * Cuts the next sequence of at most {@code length} tokens. A document shorter than two tokens cannot train
     * anything on its own; it rides along with the next cut.
     */
    public Cut cut(int length) {
        int n = Math.min(length, size);
        if (n < 2) {
            throw new IllegalStateException("domain " + domain + " holds " + size + " tokens, too few for a sequence");
        }
        long cutStart = start;
        long cutEnd = start + n;
        int[] sequence = Arrays.copyOfRange(tokens, 0, n);
        System.arraycopy(tokens, n, tokens, 0, size - n);
        size -= n;
        start = cutEnd;

        List<String> ids = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        for (Pending p : documents) {
            if (p.begin() >= cutEnd) {
                break;
            }
            ids.add(p.document().id());
            // An empty document has no token to mark; a document begun in an earlier sequence has no start here.
            int offset = (int) (p.begin() - cutStart);
            if (p.end() > p.begin() && offset >= 0 && (starts.isEmpty() || offset > starts.get(starts.size() - 1))) {
                starts.add(offset);
            }
        }
        List<BufferedDocument> completed = new ArrayList<>();
        while (!documents.isEmpty() && documents.peekFirst().end() <= cutEnd) {
            completed.add(documents.pollFirst().document());
        }
        // A document with no tokens left is complete even though no token of it travelled in this cut.
        while (size == 0 && !documents.isEmpty()) {
            completed.add(documents.pollFirst().document());
        }
        int[] documentStarts = starts.stream().mapToInt(Integer::intValue).toArray();
        return new Cut(new PackedSequence(domain, sequence, ids, documentStarts, false), completed);
    }
}
