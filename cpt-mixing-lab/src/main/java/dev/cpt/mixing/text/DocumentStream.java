package dev.cpt.mixing.text;

import dev.cpt.mixing.rounds.BatchMixer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A domain's training documents as the stream brings them to the mixer: in an order the seed shuffles, each once, or
 * (for the general pre-training) again in a new order when all have been sent.
 */
final class DocumentStream {
    private final TextCorpora.Tokenized domain;
    private final Random rng;
    private final boolean repeat;
    private final List<Integer> order = new ArrayList<>();
    private int next;
    private int pass;

    DocumentStream(TextCorpora.Tokenized domain, long seed, boolean repeat) {
        this.domain = domain;
        this.rng = new Random(seed * 0x9E3779B97F4A7C15L + domain.name().hashCode());
        this.repeat = repeat;
        shuffle();
    }

    /** Sends the next document to the mixer. */
    void feed(BatchMixer mixer) {
        if (next == order.size()) {
            if (!repeat) {
                throw new IllegalStateException("domain " + domain.name() + " has no training document left: its "
                        + domain.train().size() + " documents are fewer than the runs need (fewer rounds per phase,"
                        + " or more documents)");
            }
            pass++;
            shuffle();
        }
        int index = order.get(next++);
        mixer.add(
                domain.name(),
                domain.name() + "-" + index + "-" + pass,
                domain.train().get(index),
                () -> {});
    }

    /** A phase's worth of documents arrives: the mixer buffers at least {@code tokens} of the domain's tokens. */
    void arrive(BatchMixer mixer, long tokens) {
        while (mixer.bufferedTokens().getOrDefault(domain.name(), 0) < tokens) {
            feed(mixer);
        }
    }

    private void shuffle() {
        order.clear();
        for (int i = 0; i < domain.train().size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, rng);
        next = 0;
    }
}
