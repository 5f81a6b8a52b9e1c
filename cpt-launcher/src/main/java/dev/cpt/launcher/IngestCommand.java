package dev.cpt.launcher;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cpt ingest PATH...}: the user's files into a running stack, through ingest's HTTP API. */
@Command(
        name = "ingest",
        mixinStandardHelpOptions = true,
        description = {
            "Streams files into a running stack through ingest's POST /documents: a .txt or .md file is one document,"
                    + " a .jsonl or .jsonl.gz file one document per line ({\"text\": ..., and optionally \"id\","
                    + " \"domain\", \"source\"}); directories are walked. Shows progress, then how many documents"
                    + " ingest accepted, found duplicate and rejected, each reason counted."
        })
final class IngestCommand implements Callable<Integer> {
    static final int DEFAULT_REQUEST_BYTES = 4 * 1024 * 1024;

    @Spec
    CommandSpec spec;

    @Mixin
    StackDirectory stack;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Files or directories to ingest.")
    List<Path> paths;

    @Option(
            names = "--domain",
            paramLabel = "D",
            description = "The domain of every document that names none (all .txt and .md files). Default: ingest's"
                    + " rules decide (cpt.ingest.domain-rules, else its default domain)")
    String domain;

    @Option(
            names = "--api-key",
            paramLabel = "KEY",
            defaultValue = "${env:CPT_INGEST_API_KEY}",
            description = "Sent as X-API-Key when ingest requires one. Default: the CPT_INGEST_API_KEY variable")
    String apiKey;

    @Option(
            names = "--request-bytes",
            paramLabel = "N",
            defaultValue = "" + DEFAULT_REQUEST_BYTES,
            description = "Largest request body: documents go in requests of up to this many bytes (one larger"
                    + " document goes alone). Default: ${DEFAULT-VALUE}")
    int requestBytes;

    @Override
    public Integer call() throws Exception {
        if (requestBytes < 1024) {
            throw new IllegalArgumentException("--request-bytes must be at least 1024, was " + requestBytes);
        }
        IngestFiles files = IngestFiles.collect(paths, domain);
        StackFile running = stack.running();
        IngestUpload upload = new IngestUpload(running.service(Service.INGEST), apiKey, requestBytes);
        ProgressLine progress = ProgressLine.forConsole(System.err);
        long totalBytes = files.bytes();
        long doneBytes = 0;
        int done = 0;
        for (Path file : files.files) {
            try {
                files.read(file, line -> send(upload, line));
            } catch (IOException e) {
                upload.tally.reject(
                        dev.cpt.contracts.IngestReply.Rejection.UNREADABLE_FILE, file + ": " + e.getMessage());
            }
            done++;
            doneBytes += Files.size(file);
            progress.show("ingest", progressLine(done, files.files.size(), doneBytes, totalBytes, upload.tally));
        }
        upload.flush();
        progress.endLine();
        summary(spec.commandLine().getOut(), files, upload.tally);
        return 0;
    }

    private static void send(IngestUpload upload, IngestFiles.Line line) {
        try {
            upload.add(line);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static String progressLine(int files, int allFiles, long bytes, long allBytes, IngestUpload.Tally tally) {
        int width = 30;
        int filled = allBytes == 0 ? width : (int) (width * bytes / allBytes);
        return String.format(
                Locale.ROOT,
                "ingest [%s%s] %d/%d files, %.1f/%.1f MB | accepted %,d, duplicate %,d, rejected %,d",
                "#".repeat(filled),
                " ".repeat(width - filled),
                files,
                allFiles,
                bytes / 1e6,
                allBytes / 1e6,
                tally.accepted,
                tally.duplicateCount(),
                tally.rejectedCount());
    }

    static void summary(PrintWriter out, IngestFiles files, IngestUpload.Tally tally) {
        out.printf(
                Locale.ROOT,
                "%d %s sent in %d %s%s%n",
                files.files.size(),
                files.files.size() == 1 ? "file" : "files",
                tally.requests,
                tally.requests == 1 ? "request" : "requests",
                files.skipped == 0
                        ? ""
                        : " (" + files.skipped + " other files skipped: not "
                                + String.join(", ", IngestFiles.EXTENSIONS) + ")");
        out.printf(
                Locale.ROOT,
                "  accepted   %,d (%,d for training, %,d held out; %,d tokens)%n",
                tally.accepted,
                tally.accepted - tally.heldout,
                tally.heldout,
                tally.tokens);
        out.printf(Locale.ROOT, "  duplicate  %,d%s%n", tally.duplicateCount(), counts(tally.duplicates));
        out.printf(Locale.ROOT, "  rejected   %,d%s%n", tally.rejectedCount(), counts(tally.rejected));
        for (String example : tally.examples) {
            out.println("    " + example);
        }
        out.flush();
    }

    private static String counts(Map<String, Integer> byReason) {
        return byReason.isEmpty()
                ? ""
                : byReason.entrySet().stream()
                        .map(e -> e.getKey() + " " + e.getValue())
                        .collect(Collectors.joining(", ", " (", ")"));
    }
}
