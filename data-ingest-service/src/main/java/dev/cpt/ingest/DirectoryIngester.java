package dev.cpt.ingest;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.jboss.logging.Logger;

/**
 * The watched directory: {@code .txt} and {@code .md} files are one document each, {@code .jsonl} and
 * {@code .jsonl.gz} files one {@code RawDocument} per line. Each file is ingested once, and a restart neither loses
 * nor repeats a document:
 *
 * <ol>
 *   <li>Progress is kept per file in the {@link FileLedger}: the byte position after the last chunk the broker
 *       acknowledged. A restart reads on from there.
 *   <li>Before a chunk is sent, the ledger records the output topics' end offsets ({@link FileLedger.Pending}).
 *       If the service dies while the chunk is in flight, part of it may be on the broker without the ledger knowing;
 *       the restart reads the topics from those offsets, and the ids it finds there are not sent again.
 *   <li>Dedup fingerprints are committed with each chunk, so a document of an earlier chunk sent again is a duplicate.
 * </ol>
 *
 * A file is identified by its path, size and modification time: a file replaced by a new version is ingested again
 * (its unchanged documents are then duplicates). A file is taken up once it has not changed for the settle time;
 * writers should move finished files in (hidden files and other extensions are ignored). Files stay where they
 * are. A file that cannot be read to its end (a corrupt gzip) keeps what was read, is marked failed, and a
 * dead letter names it.
 */
public final class DirectoryIngester {
    private static final Logger LOG = Logger.getLogger(DirectoryIngester.class);

    /** The broker side of restart safety: where the output topics end, and which ids were appended after a point. */
    public interface PublishedLog {
        Map<String, Long> endOffsets();

        Set<String> idsSince(Map<String, Long> endOffsets);
    }

    private final Path inbox;
    private final FileLedger ledger;
    private final Ingester ingester;
    private final Ingester.Sink sink;
    private final PublishedLog log;
    private final IngestMetrics metrics;
    private final int chunkDocuments;
    private final Duration settle;
    private final Validator validator;
    private final Clock clock;

    public DirectoryIngester(
            Path inbox,
            FileLedger ledger,
            Ingester ingester,
            Ingester.Sink sink,
            PublishedLog log,
            IngestMetrics metrics,
            Validator validator,
            int chunkDocuments,
            Duration settle,
            Clock clock) {
        this.inbox = inbox;
        this.ledger = ledger;
        this.ingester = ingester;
        this.sink = sink;
        this.log = log;
        this.metrics = metrics;
        this.validator = validator;
        this.chunkDocuments = chunkDocuments;
        this.settle = settle;
        this.clock = clock;
    }

    public static boolean isWatched(String name) {
        return name.endsWith(".txt") || name.endsWith(".md") || name.endsWith(".jsonl") || name.endsWith(".jsonl.gz");
    }

    /**
     * One pass: every settled file not yet finished, in path order. Stops early when the broker does not take
     * documents (the next pass retries). Returns the number of files finished in this pass.
     */
    public int scanOnce() {
        if (!Files.isDirectory(inbox)) {
            return 0;
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(inbox)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(this::visible)
                    .sorted()
                    .toList();
        } catch (IOException | UncheckedIOException e) {
            LOG.warnf("cannot list the inbox %s: %s", inbox.toAbsolutePath(), e.getMessage());
            return 0;
        }
        int finished = 0;
        for (Path file : files) {
            try {
                Boolean done = ingestFile(file);
                if (done == null) {
                    continue;
                }
                if (!done) {
                    return finished; // the broker refused documents: try again on the next pass
                }
                finished++;
            } catch (IOException e) {
                LOG.warnf("cannot read %s yet: %s", file, e.getMessage()); // e.g. deleted while listed
            }
        }
        return finished;
    }

    private boolean visible(Path file) {
        Path rel = inbox.relativize(file);
        for (Path part : rel) {
            if (part.toString().startsWith(".")) {
                return false;
            }
        }
        return isWatched(rel.getFileName().toString());
    }

    /** True when the file is finished, false when the broker refused documents, null when skipped. */
    private Boolean ingestFile(Path file) throws IOException {
        String rel =
                inbox.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
        BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
        long size = attrs.size();
        long modified = attrs.lastModifiedTime().toMillis();
        if (clock.millis() - modified < settle.toMillis()) {
            return null; // may still be being written
        }
        Optional<FileLedger.Progress> known = ledger.get(rel).filter(p -> p.sameFile(size, modified));
        if (known.isPresent() && known.get().finished()) {
            return null;
        }
        FileLedger.Progress progress = known.orElse(new FileLedger.Progress(rel, size, modified, 0, 0, null, null));
        if (known.isPresent()) {
            metrics.file("resumed");
            LOG.infof("resuming %s after line %d (byte %d)", rel, progress.line(), progress.position());
        }
        // Documents of an interrupted chunk that did reach the broker are found there, not sent twice.
        Set<String> alreadyStored = progress.pending() == null
                ? Set.of()
                : log.idsSince(progress.pending().logEnds());
        String name = file.getFileName().toString();
        return name.endsWith(".txt") || name.endsWith(".md")
                ? ingestText(file, progress, alreadyStored)
                : ingestLines(file, progress, alreadyStored, name.endsWith(".gz"));
    }

    private boolean ingestText(Path file, FileLedger.Progress progress, Set<String> alreadyStored) throws IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(validator.maxBytes() + 1); // anything longer is too large anyway
        }
        Origin origin = Origin.file(progress.path());
        return sendChunk(
                        progress,
                        List.of(Ingester.Item.text(origin, bytes)),
                        List.of(0L),
                        bytes.length,
                        1,
                        alreadyStored)
                && finish(progress.path(), "done");
    }

    private boolean ingestLines(Path file, FileLedger.Progress start, Set<String> alreadyStored, boolean gzip)
            throws IOException {
        Origin origin = Origin.file(start.path());
        FileLedger.Progress progress = start;
        try (InputStream in = open(file, gzip)) {
            in.skipNBytes(progress.position());
            LineReader lines = new LineReader(in, progress.position(), validator.jsonLimit() + 1);
            while (true) {
                List<Ingester.Item> items = new ArrayList<>();
                List<Long> starts = new ArrayList<>();
                long chunkLines = 0;
                byte[] line;
                while (items.size() < chunkDocuments) {
                    long lineStart = lines.position();
                    line = lines.next();
                    if (line == null) {
                        break;
                    }
                    chunkLines++;
                    if (!isBlank(line)) {
                        items.add(Ingester.Item.json(origin, line));
                        starts.add(lineStart);
                    }
                }
                if (chunkLines == 0) {
                    return finish(progress.path(), "done");
                }
                if (!sendChunk(progress, items, starts, lines.position(), chunkLines, alreadyStored)) {
                    return false;
                }
                progress = ledger.get(progress.path()).orElseThrow();
            }
        } catch (IOException e) {
            // a corrupt or truncated file: what was read is stored; the rest cannot be
            String reason = RejectedDocumentException.UNREADABLE_FILE + ": " + progress.path()
                    + " cannot be read past byte " + progress.position() + ": " + e;
            LOG.warn(reason);
            metrics.rejected(RejectedDocumentException.UNREADABLE_FILE);
            sink.deadLetter(progress.path().getBytes(StandardCharsets.UTF_8), reason, origin);
            return finish(progress.path(), "failed");
        }
    }

    /**
     * Sends one chunk with the pending marker around it. On success the ledger moves to {@code endPosition}; when the
     * broker refused a document the ledger stays at that document's line, marker kept, and false is returned.
     */
    private boolean sendChunk(
            FileLedger.Progress progress,
            List<Ingester.Item> items,
            List<Long> starts,
            long endPosition,
            long chunkLines,
            Set<String> alreadyStored) {
        FileLedger.Pending pending =
                progress.pending() != null ? progress.pending() : new FileLedger.Pending(log.endOffsets());
        ledger.put(withPending(progress, pending));
        List<Outcome> outcomes = ingester.ingest(items, true, alreadyStored);
        for (int i = 0; i < outcomes.size(); i++) {
            if (outcomes.get(i) instanceof Outcome.Rejected r
                    && r.reason().equals(RejectedDocumentException.UNAVAILABLE)) {
                LOG.warnf(
                        "%s: the broker did not take the document at byte %d; retrying on the next scan: %s",
                        progress.path(), starts.get(i), r.message());
                ledger.put(new FileLedger.Progress(
                        progress.path(),
                        progress.size(),
                        progress.modified(),
                        starts.get(i),
                        progress.line(),
                        pending,
                        null));
                return false;
            }
        }
        ledger.put(new FileLedger.Progress(
                progress.path(),
                progress.size(),
                progress.modified(),
                endPosition,
                progress.line() + chunkLines,
                null,
                null));
        return true;
    }

    private boolean finish(String path, String outcome) {
        FileLedger.Progress p = ledger.get(path).orElseThrow();
        ledger.put(new FileLedger.Progress(p.path(), p.size(), p.modified(), p.position(), p.line(), null, outcome));
        metrics.file(outcome);
        LOG.infof("%s: %s after %d lines", path, outcome, p.line());
        return true;
    }

    private static FileLedger.Progress withPending(FileLedger.Progress p, FileLedger.Pending pending) {
        return new FileLedger.Progress(p.path(), p.size(), p.modified(), p.position(), p.line(), pending, null);
    }

    private static InputStream open(Path file, boolean gzip) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        return gzip ? new GZIPInputStream(in, 1 << 16) : in;
    }

    private static boolean isBlank(byte[] line) {
        for (byte b : line) {
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }
}
