package dev.cpt.model.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;

/**
 * Learns byte-pair merges from pre-tokenized word counts, independent of how words were cut and which alphabet they
 * use. Pair counts are kept up to date incrementally (only the words holding the merged pair are rewritten, and each
 * changed pair moves in the queue once per merge), so the shipped corpora (2.3 MB) train in seconds.
 */
final class BpeMerges {

    /** The merges in rank order and the tokens they created, in the order they were first created. */
    record Learned(List<String[]> merges, List<String> newTokens) {}

    private final List<String> symbols = new ArrayList<>();
    private final Map<String, Integer> symbolIds = new HashMap<>();
    private final List<int[]> words = new ArrayList<>();
    private final List<Long> wordCounts = new ArrayList<>();
    private final Map<Long, Long> pairCounts = new HashMap<>();
    private final Map<Long, Set<Integer>> pairWords = new HashMap<>();
    // ties are broken on the symbols' text, never on hash or insertion order, so the same corpus gives the same merges
    private final TreeSet<Long> queue = new TreeSet<>(Comparator.<Long>comparingLong(p -> -pairCounts.get(p))
            .thenComparing(p -> symbols.get(left(p)))
            .thenComparing(p -> symbols.get(right(p))));

    private BpeMerges() {}

    /**
     * @param wordCounts each pre-token (already in the model's alphabet) and how often it occurs; sorted, so symbol ids
     *     and therefore every later step are deterministic
     * @param alphabet the symbols merges may use; any other code point splits a word, as nothing can merge with it
     * @param maxNewTokens stop after creating this many tokens
     * @param minPairCount stop when the most frequent pair occurs fewer times than this
     */
    static Learned learn(
            SortedMap<String, Long> wordCounts, Set<String> alphabet, int maxNewTokens, long minPairCount) {
        BpeMerges state = new BpeMerges();
        wordCounts.forEach((word, count) -> state.addWord(word, count, alphabet));
        return state.run(maxNewTokens, minPairCount);
    }

    private void addWord(String word, long count, Set<String> alphabet) {
        List<Integer> run = new ArrayList<>();
        word.codePoints().forEach(cp -> {
            String symbol = Character.toString(cp);
            if (alphabet.contains(symbol)) {
                run.add(intern(symbol));
            } else {
                addRun(run, count);
                run.clear();
            }
        });
        addRun(run, count);
    }

    private void addRun(List<Integer> run, long count) {
        if (run.size() < 2) {
            return;
        }
        int index = words.size();
        int[] seq = run.stream().mapToInt(Integer::intValue).toArray();
        words.add(seq);
        wordCounts.add(count);
        Map<Long, Long> delta = new HashMap<>();
        countPairs(index, seq, count, delta);
        delta.forEach((pair, d) -> pairCounts.merge(pair, d, Long::sum));
    }

    private Learned run(int maxNewTokens, long minPairCount) {
        queue.addAll(pairCounts.keySet());
        List<String[]> merges = new ArrayList<>();
        List<String> newTokens = new ArrayList<>();
        while (newTokens.size() < maxNewTokens && !queue.isEmpty()) {
            long best = queue.first();
            if (pairCounts.get(best) < minPairCount) {
                break;
            }
            String a = symbols.get(left(best));
            String b = symbols.get(right(best));
            // two different pairs can spell the same token ("a"+"bc", "ab"+"c"): the merge is kept, the token not
            // re-added
            if (!symbolIds.containsKey(a + b)) {
                newTokens.add(a + b);
            }
            merges.add(new String[] {a, b});
            apply(best, intern(a + b));
        }
        return new Learned(merges, newTokens);
    }

    private void apply(long pair, int merged) {
        // summed over all rewritten words first, so each changed pair moves in the queue once per merge
        Map<Long, Long> delta = new HashMap<>();
        for (int index : pairWords.remove(pair)) {
            int[] seq = words.get(index);
            long count = wordCounts.get(index);
            countPairs(index, seq, -count, delta);
            int[] next = merge(seq, left(pair), right(pair), merged);
            words.set(index, next);
            countPairs(index, next, count, delta);
        }
        delta.forEach((p, d) -> {
            if (d == 0) {
                return;
            }
            // the comparator reads the current count, so the pair leaves the queue before its count changes
            if (pairCounts.containsKey(p)) {
                queue.remove(p);
            }
            long count = pairCounts.merge(p, d, Long::sum);
            if (count > 0) {
                queue.add(p);
            } else {
                pairCounts.remove(p);
            }
        });
    }

    private static int[] merge(int[] seq, int a, int b, int merged) {
        int[] out = new int[seq.length];
        int n = 0;
        for (int i = 0; i < seq.length; i++) {
            if (i + 1 < seq.length && seq[i] == a && seq[i + 1] == b) {
                out[n++] = merged;
                i++;
            } else {
                out[n++] = seq[i];
            }
        }
        return Arrays.copyOf(out, n);
    }

    private void countPairs(int index, int[] seq, long count, Map<Long, Long> delta) {
        for (int i = 0; i + 1 < seq.length; i++) {
            long pair = pair(seq[i], seq[i + 1]);
            delta.merge(pair, count, Long::sum);
            if (count > 0) {
                pairWords.computeIfAbsent(pair, p -> new HashSet<>()).add(index);
            }
        }
    }

    private int intern(String symbol) {
        return symbolIds.computeIfAbsent(symbol, s -> {
            symbols.add(s);
            return symbols.size() - 1;
        });
    }

    private static long pair(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    private static int left(long pair) {
        return (int) (pair >>> 32);
    }

    private static int right(long pair) {
        return (int) pair;
    }
}
