package dev.cpt.mixer;

import dev.cpt.contracts.PackedSequence;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * The tokens of one domain waiting to be packed, in arrival order, with the documents they came from.
 * A document is released (its Kafka message acknowledged) only once its last token has left in a sequence,
 * so a crash never loses a document that was buffered but not yet trained on.
 */
final class DomainBuffer {
    private final String domain;
    private int[] tokens = new int[1024];
    private long start; // absolute position of tokens[0]
    private int size;
    private final Deque<Pending> documents = new ArrayDeque<>();

    private record Pending(String id, long end, Runnable release) {}

    /** A sequence cut from the buffer, and the releases of the documents it completed. */
    record Cut(PackedSequence sequence, List<Runnable> completed) {}

    DomainBuffer(String domain) {
        this.domain = domain;
    }

    void add(String documentId, int[] documentTokens, Runnable release) {
        if (size + documentTokens.length > tokens.length) {
            tokens = Arrays.copyOf(tokens, Math.max(tokens.length * 2, size + documentTokens.length));
        }
        System.arraycopy(documentTokens, 0, tokens, size, documentTokens.length);
        size += documentTokens.length;
        documents.addLast(new Pending(documentId, start + size, release));
    }

    int bufferedTokens() {
        return size;
    }

    /** Whole sequences of {@code length} tokens that can be cut now. */
    int fullSequences(int length) {
        return size / length;
    }

    /**
     * Cuts the next sequence of at most {@code length} tokens. A document shorter than two tokens cannot train
     * anything on its own; it rides along with the next cut.
     */
    Cut cut(int length) {
        int n = Math.min(length, size);
        if (n < 2) {
            throw new IllegalStateException("domain " + domain + " holds " + size + " tokens, too few for a sequence");
        }
        int[] sequence = Arrays.copyOfRange(tokens, 0, n);
        System.arraycopy(tokens, n, tokens, 0, size - n);
        size -= n;
        long cutEnd = start + n;
        start = cutEnd;

        List<String> ids = new ArrayList<>();
        List<Runnable> completed = new ArrayList<>();
        for (Pending p : documents) {
            ids.add(p.id());
            if (p.end() > cutEnd) {
                break;
            }
        }
        while (!documents.isEmpty() && documents.peekFirst().end() <= cutEnd) {
            completed.add(documents.pollFirst().release());
        }
        // A document with no tokens left is complete even though no token of it travelled in this cut.
        while (size == 0 && !documents.isEmpty()) {
            completed.add(documents.pollFirst().release());
        }
        return new Cut(new PackedSequence(domain, sequence, ids), completed);
    }
}
