package dev.cpt.mixing.rounds;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.PackedSequence;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The replay reservoir: per domain, a uniform sample of the documents already trained on (reservoir sampling,
 * Vitter's algorithm R), which the mixer draws replay sequences from once a domain's fresh data has gone, so the
 * upstream (general) domain and earlier domains can be rehearsed while a new domain trains.
 *
 * <p>Every sampled document is a file under {@code dir/<domain>/}, and each domain's {@code index.json} names the
 * files that make up its sample; {@link #persist()} writes the indexes (the mixer calls it after each committed
 * round), so the sample survives a restart. At most {@code memoryTokens} tokens of sampled documents stay in memory
 * (least recently drawn leave first); the rest is read from disk when drawn.
 *
 * <p>Whether the n-th document of a domain enters the sample depends only on the seed, the domain and n, not on a
 * random generator's state, so a restarted mixer samples as an uninterrupted one would. Not thread-safe.
 */
public final class ReplayReservoir {
    private final Path dir;
    private final int capacity;
    private final long memoryTokens;
    private final long seed;
    private final Map<String, Sample> samples = new TreeMap<>();
    private final LinkedHashMap<String, int[]> memory = new LinkedHashMap<>(16, 0.75f, true);
    private long tokensInMemory;

    /** One sampled document: its id, the file holding its tokens, and how many tokens it has. */
    record Slot(String id, String file, int tokens) {}

    /** A domain's sample as its index file holds it. */
    record Index(String domain, long seen, List<Slot> slots) {}

    private static final class Sample {
        final String domain;
        long seen;
        final List<Slot> slots = new ArrayList<>();
        final Set<String> ids = new HashSet<>();
        /** Files of documents that left the sample since the last persist: the saved index may still name them. */
        final List<String> replaced = new ArrayList<>();

        long tokens;
        boolean dirty;

        Sample(String domain) {
            this.domain = domain;
        }
    }

    public ReplayReservoir(Path dir, int documentsPerDomain, long memoryTokens, long seed) {
        if (documentsPerDomain < 1) {
            throw new IllegalArgumentException(
                    "the reservoir must hold at least one document per domain, not " + documentsPerDomain);
        }
        this.dir = dir;
        this.capacity = documentsPerDomain;
        this.memoryTokens = memoryTokens;
        this.seed = seed;
        load();
    }

    /** Offers a trained document to its domain's sample; a document already sampled (a redelivery) is ignored. */
    void offer(String domain, String id, int[] tokens) {
        if (tokens.length < 2) {
            return; // too short to train anything when replayed on its own
        }
        Sample s = samples.computeIfAbsent(domain, Sample::new);
        if (s.ids.contains(id)) {
            return;
        }
        long n = s.seen++;
        s.dirty = true;
        int slot;
        if (n < capacity) {
            slot = s.slots.size();
            s.slots.add(null);
        } else {
            long j = draw(domain, n).nextLong(n + 1);
            if (j >= capacity) {
                return;
            }
            slot = (int) j;
        }
        String file = n + ".tokens";
        write(domainDir(domain).resolve(file), tokens);
        Slot old = s.slots.set(slot, new Slot(id, file, tokens.length));
        if (old != null) {
            s.ids.remove(old.id());
            s.tokens -= old.tokens();
            s.replaced.add(old.file());
            forget(domain, old.file());
        }
        s.ids.add(id);
        s.tokens += tokens.length;
        remember(domain + "/" + file, tokens);
    }

    /** Tokens held in a domain's sample. */
    public long tokens(String domain) {
        Sample s = samples.get(domain);
        return s == null ? 0 : s.tokens;
    }

    public int documents(String domain) {
        Sample s = samples.get(domain);
        return s == null ? 0 : s.slots.size();
    }

    public Set<String> domains() {
        return samples.keySet();
    }

    public long tokensInMemory() {
        return tokensInMemory;
    }

    /**
     * A replay sequence of at most {@code length} tokens from a domain's sample: a random window of a long document,
     * or random documents packed one after another (with the separator between them when there is one).
     */
    PackedSequence draw(String domain, int length, int separator, SplittableRandom rng) {
        Sample s = samples.get(domain);
        if (s == null || s.slots.isEmpty()) {
            throw new IllegalStateException("no replay sample for domain " + domain);
        }
        int[] packed = new int[length];
        int filled = 0;
        List<String> ids = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        // Bounded: a sample of tiny documents could otherwise take many draws to fill one sequence.
        for (int draws = 0; filled < length && draws < length; draws++) {
            Slot slot = s.slots.get(rng.nextInt(s.slots.size()));
            int[] doc = read(domain, slot);
            int from = 0;
            if (filled == 0 && doc.length > length) {
                from = rng.nextInt(doc.length - length + 1);
            }
            if (from == 0) {
                starts.add(filled);
            }
            int n = Math.min(doc.length - from, length - filled);
            System.arraycopy(doc, from, packed, filled, n);
            filled += n;
            ids.add(slot.id());
            if (separator != DomainBuffer.NO_SEPARATOR && filled < length) {
                packed[filled++] = separator;
            }
        }
        int[] tokens = filled == length ? packed : Arrays.copyOf(packed, filled);
        return new PackedSequence(
                domain, tokens, ids, starts.stream().mapToInt(Integer::intValue).toArray(), true);
    }

    /**
     * Writes the index of every domain whose sample changed since the last call, then deletes the files of the
     * documents that left it. Deleting what was replaced, rather than whatever the index does not name, keeps a
     * persist after every round from listing a directory of thousands of files.
     */
    void persist() {
        for (Sample s : samples.values()) {
            if (s.dirty) {
                Path domainDir = domainDir(s.domain);
                writeAtomically(
                        domainDir.resolve("index.json"),
                        Json.write(new Index(s.domain, s.seen, s.slots)).getBytes(StandardCharsets.UTF_8));
                s.dirty = false;
                try {
                    for (String file : s.replaced) {
                        Files.deleteIfExists(domainDir.resolve(file));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                s.replaced.clear();
            }
        }
    }

    private void load() {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> domains = Files.list(dir)) {
            for (Path d : domains.filter(Files::isDirectory).toList()) {
                Path index = d.resolve("index.json");
                if (!Files.exists(index)) {
                    continue;
                }
                Index i = Json.MAPPER.readValue(index.toFile(), new TypeReference<Index>() {});
                Sample s = new Sample(i.domain());
                s.seen = i.seen();
                for (Slot slot : i.slots()) {
                    s.slots.add(slot);
                    s.ids.add(slot.id());
                    s.tokens += slot.tokens();
                }
                samples.put(s.domain, s);
                deleteUnlisted(s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the replay reservoir in " + dir, e);
        }
    }

    /**
     * Files a crash left between writing a document and writing the index that names it, or between writing an index
     * and deleting what it no longer names.
     */
    private void deleteUnlisted(Sample s) {
        Set<String> listed = new HashSet<>();
        s.slots.forEach(slot -> listed.add(slot.file()));
        listed.add("index.json");
        try (Stream<Path> files = Files.list(domainDir(s.domain))) {
            for (Path f : files.toList()) {
                if (!listed.contains(f.getFileName().toString())) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private SplittableRandom draw(String domain, long n) {
        return new SplittableRandom(seed ^ (domain.hashCode() * 0x9E3779B97F4A7C15L) ^ (n * 0xBF58476D1CE4E5B9L));
    }

    private Path domainDir(String domain) {
        // Domain names come from documents: hex keeps any name a single safe path segment.
        Path d = dir.resolve("d-" + HexFormat.of().formatHex(domain.getBytes(StandardCharsets.UTF_8)));
        try {
            return Files.createDirectories(d);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + d, e);
        }
    }

    private int[] read(String domain, Slot slot) {
        String key = domain + "/" + slot.file();
        int[] cached = memory.get(key);
        if (cached != null) {
            return cached;
        }
        try {
            ByteBuffer bytes = ByteBuffer.wrap(
                            Files.readAllBytes(domainDir(domain).resolve(slot.file())))
                    .order(ByteOrder.LITTLE_ENDIAN);
            int[] tokens = new int[bytes.remaining() / Integer.BYTES];
            bytes.asIntBuffer().get(tokens);
            remember(key, tokens);
            return tokens;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read a replay document of " + domain, e);
        }
    }

    private void remember(String key, int[] tokens) {
        if (tokens.length > memoryTokens) {
            return;
        }
        int[] old = memory.put(key, tokens);
        tokensInMemory += tokens.length - (old == null ? 0 : old.length);
        var eldest = memory.entrySet().iterator();
        while (tokensInMemory > memoryTokens && eldest.hasNext()) {
            tokensInMemory -= eldest.next().getValue().length;
            eldest.remove();
        }
    }

    private void forget(String domain, String file) {
        int[] old = memory.remove(domain + "/" + file);
        if (old != null) {
            tokensInMemory -= old.length;
        }
    }

    private static void write(Path file, int[] tokens) {
        ByteBuffer bytes = ByteBuffer.allocate(tokens.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asIntBuffer().put(tokens);
        writeAtomically(file, bytes.array());
    }

    private static void writeAtomically(Path file, byte[] content) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, content);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
