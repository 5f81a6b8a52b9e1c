package dev.cpt.mixer;

import dev.cpt.contracts.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The documents each round completed, written down before the round is committed. A document is acknowledged after
 * its round commits, but Kafka commits the consumer's offset later (and only once every earlier message of its
 * partition is acknowledged), so after a crash the broker redelivers documents whose rounds are already committed.
 * {@link #resume} keeps the entries of rounds the broker committed, and {@link #trained} recognises those documents
 * so the mixer acknowledges them without training them again.
 *
 * <p>One JSON line per round, appended. A round number written again supersedes the earlier entries from that
 * number on: they belonged to a transaction that was aborted. The last {@code keepRounds} rounds are kept.
 */
final class CompletedDocuments {
    private final Path file;
    private final int keepRounds;
    private final Set<String> trained = new HashSet<>();
    private final ArrayDeque<Entry> recent = new ArrayDeque<>();
    private int appendedSinceRewrite;

    /** One line of the file. */
    record Entry(long round, List<String> ids) {}

    CompletedDocuments(Path file, int keepRounds) {
        this.file = file;
        this.keepRounds = keepRounds;
    }

    /** Reads the file back, keeping what rounds up to {@code lastCommittedRound} completed, and compacts it. */
    void resume(long lastCommittedRound) {
        List<Entry> entries = new ArrayList<>();
        if (Files.exists(file)) {
            try {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    Entry e;
                    try {
                        e = Json.read(line, Entry.class);
                    } catch (RuntimeException torn) {
                        continue; // the last line of a crash mid-write
                    }
                    entries.removeIf(earlier -> earlier.round() >= e.round());
                    entries.add(e);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        entries.removeIf(e -> e.round() > lastCommittedRound);
        List<Entry> kept = entries.subList(Math.max(0, entries.size() - keepRounds), entries.size());
        trained.clear();
        kept.forEach(e -> trained.addAll(e.ids()));
        recent.clear();
        recent.addAll(kept);
        rewrite();
    }

    /**
     * Written before the round's transaction commits; an entry of a round that never commits is superseded or dropped.
     */
    void recording(long round, Collection<String> ids) {
        Entry entry = new Entry(round, List.copyOf(ids));
        recent.addLast(entry);
        while (recent.size() > keepRounds) {
            recent.removeFirst();
        }
        // Compact now and then, so the file stays about keepRounds lines long.
        if (++appendedSinceRewrite > keepRounds) {
            rewrite();
            return;
        }
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(
                    file,
                    Json.write(entry) + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Whether a committed round (one the file knew at {@link #resume}) already trained this document. */
    boolean trained(String id) {
        return trained.contains(id);
    }

    private void rewrite() {
        appendedSinceRewrite = 0;
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            StringBuilder lines = new StringBuilder();
            recent.forEach(e -> lines.append(Json.write(e)).append('\n'));
            Files.writeString(tmp, lines, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
