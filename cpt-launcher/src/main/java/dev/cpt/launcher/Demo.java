package dev.cpt.launcher;

import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.DomainScore;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.IngestReply;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.MixtureWeights;
import dev.cpt.contracts.RawDocument;
import dev.cpt.contracts.RewardRequest;
import dev.cpt.contracts.RewardResponse;
import dev.cpt.launcher.report.FigureBuilder;
import dev.cpt.launcher.report.Figures;
import dev.cpt.launcher.report.GrpoSummary;
import dev.cpt.launcher.report.ReportPage;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The demo job on a running stack. The shipped corpora arrive one after the other through ingest's HTTP endpoint
 * (general, then Python documentation, then PostgreSQL documentation); each phase waits until the trainer has
 * trained on every training token of its domain; the last checkpoint is evaluated; the reward service answers a
 * request; the GRPO stage runs when one is wired in. Writes {@code <data-dir>/demo-report.json} (the figures) and
 * {@code <data-dir>/demo-report.html} (the same figures as plots).
 */
public final class Demo {
    private static final Duration PHASE_TIMEOUT = Duration.ofMinutes(10);
    /** Share of each domain held out for eval (ingest splits by a hash of the document id). */
    static final int HELDOUT_PERCENT = 15;
    /** Time the demo needs after the last training token: final eval, reward, report. For the ETA only. */
    private static final Duration TAIL = Duration.ofSeconds(20);

    private final Stack stack;
    private final ProgressLine progress;
    private final Plan plan;
    private final StageZero.Outcome base;
    private final GrpoStage grpo;
    private final HttpClient http = HttpClient.newHttpClient();
    private final long started = System.nanoTime();
    private final Map<String, Long> plannedTokens = new LinkedHashMap<>();
    private String stage = "starting";
    private String currentDomain;
    private long rateSince;
    private long rateTokens;

    /** The GRPO stage the demo runs after continual pre-training; {@link #NONE} until the trainer offers one. */
    @FunctionalInterface
    public interface GrpoStage {
        Optional<GrpoSummary> run(Stack stack, ProgressLine progress) throws IOException, InterruptedException;

        GrpoStage NONE = (stack, progress) -> Optional.empty();
    }

    /**
     * What the demo streams: for each shipped corpus its first {@code documentsPerDomain} documents, in the order
     * general, python, postgresql. Stage 0 pre-trains on the general documents that are not streamed, so the general
     * held-out set stays unseen by the base.
     */
    public record Plan(List<Phase> phases, List<String> pretrainingTexts) {
        /**
         * A phase of the demo: what it streams, and how many tokens that text cuts into with the run's tokenizer
         * (the byte tokenizer's count until {@link #countedBy} says otherwise).
         */
        public record Phase(ShippedCorpus corpus, List<RawDocument> documents, long tokens) {
            public Phase {
                documents = List.copyOf(documents);
            }

            Phase(ShippedCorpus corpus, List<RawDocument> documents) {
                this(corpus, documents, count(documents, text -> text.getBytes(StandardCharsets.UTF_8).length));
            }
        }

        /** The same plan, each phase's tokens counted by {@code tokens} (the run's tokenizer: ids per text). */
        public Plan countedBy(ToIntFunction<String> tokens) {
            return new Plan(
                    phases.stream()
                            .map(p -> new Phase(p.corpus(), p.documents(), count(p.documents(), tokens)))
                            .toList(),
                    pretrainingTexts);
        }

        private static long count(List<RawDocument> documents, ToIntFunction<String> tokens) {
            return documents.stream()
                    .mapToLong(d -> tokens.applyAsInt(d.text()))
                    .sum();
        }

        public Plan {
            phases = List.copyOf(phases);
            pretrainingTexts = List.copyOf(pretrainingTexts);
        }

        public static Plan standard(int documentsPerDomain) {
            List<Phase> phases = new ArrayList<>();
            List<String> pretraining = List.of();
            for (ShippedCorpus corpus : ShippedCorpus.ALL) {
                List<RawDocument> all = corpus.documents();
                int n = Math.min(documentsPerDomain, all.size());
                phases.add(new Phase(corpus, all.subList(0, n)));
                if (corpus == ShippedCorpus.GENERAL) {
                    pretraining = all.subList(n, all.size()).stream()
                            .map(RawDocument::text)
                            .toList();
                }
            }
            phases.add(new Phase(ShippedCorpus.ARITHMETIC, SampleCorpus.arithmeticQuestions(documentsPerDomain, 7)));
            return new Plan(phases, pretraining);
        }
    }

    public Demo(Stack stack, PrintStream out) {
        this(
                stack,
                ProgressLine.forConsole(out),
                Plan.standard(Main.DEFAULT_DOCUMENTS_PER_DOMAIN),
                null,
                GrpoStage.NONE);
    }

    /** @param base what stage 0 produced (null when the trainer starts from fresh weights) */
    public Demo(Stack stack, ProgressLine progress, Plan plan, StageZero.Outcome base, GrpoStage grpo) {
        this.stack = stack;
        this.progress = progress;
        this.plan = plan;
        this.base = base;
        this.grpo = grpo;
    }

    /** Settings the demo runs the stack with: frequent checkpoints so eval sees the phases, small held-out sets. */
    public static StackOptions tune(StackOptions options) {
        return options.with("cpt.trainer.checkpoint-every-steps", "25")
                .with("cpt.trainer.checkpoint-when-idle-after", "3s")
                .with("cpt.mixer.flush-after", "2s")
                .with("cpt.ingest.heldout-percent", Integer.toString(HELDOUT_PERCENT))
                // every checkpoint is scored on these: 16 documents of ~1 KB per domain keep an eval to a few seconds
                .with("cpt.eval.heldout-documents-per-domain", "16")
                // trainer and eval run libtorch at the same time: one thread each on two cores, rather than four
                // spinning OpenMP threads fighting over them
                .with("ai.djl.pytorch.num_threads", "1")
                .with("ai.djl.pytorch.num_interop_threads", "1");
    }

    public DemoResult run() throws IOException, InterruptedException {
        for (Plan.Phase phase : plan.phases()) {
            plannedTokens.put(phase.corpus().domain(), phase.tokens() * (100 - HELDOUT_PERCENT) / 100);
        }
        Map<String, Long> trainTokens = new LinkedHashMap<>();
        Map<String, Long> heldoutDocuments = new LinkedHashMap<>();
        List<CorpusUse> corpora = new ArrayList<>();
        try (TopicWatcher watcher = new TopicWatcher(stack.kafkaClients())) {
            for (Plan.Phase phase : plan.phases()) {
                String domain = phase.corpus().domain();
                currentDomain = domain;
                stage = "ingest " + domain;
                progress(watcher);
                CorpusUse use = ingest(phase);
                corpora.add(use);
                trainTokens.put(domain, use.trainingTokens());
                heldoutDocuments.put(domain, use.heldoutDocuments());
                plannedTokens.put(domain, use.trainingTokens());
                stage = "train " + domain;
                // The mixer cuts sequences of at least two tokens (an input and a target), so a last single token
                // waits in its buffer for the domain's next document: one token short counts as done.
                long expected = use.trainingTokens() - 1;
                watcher.await(
                        watcher.checkpoints,
                        c -> c.tokensPerDomain().getOrDefault(domain, 0L) >= expected,
                        PHASE_TIMEOUT,
                        () -> progress(watcher));
            }
            stage = "evaluate";
            CheckpointEvent last = watcher.latestCheckpoint().orElseThrow();
            EvalReport finalReport = watcher.await(
                    watcher.reports, r -> r.step() == last.step(), PHASE_TIMEOUT, () -> progress(watcher));

            stage = "reward";
            progress(watcher);
            RewardResponse reward = askReward(watcher);

            stage = "grpo";
            progress(watcher);
            GrpoSummary grpoSummary = grpo.run(stack, progress).orElse(null);
            String mainRun = finalReport.runId();
            EvalReport afterGrpo = grpoSummary == null
                    ? null
                    : watcher.await(
                            watcher.reports,
                            r -> r.runId().startsWith(mainRun + "-grpo")
                                    && r.step() == grpoSummary.steps()
                                    && !r.failed(),
                            PHASE_TIMEOUT,
                            () -> progress(watcher));
            progress.endLine();
            GrpoSummary grpoReported = afterGrpo == null ? grpoSummary : grpoSummary.withGate(afterGrpo.gate());

            // The GRPO stage is a run of its own; the continual-pre-training figures are the main run's.
            List<EvalReport> mainReports = watcher.reports.stream()
                    .filter(r -> r.runId().equals(mainRun))
                    .toList();
            Figures figures = FigureBuilder.build(mainReports, watcher.mixture, grpoReported);
            DemoResult result = new DemoResult(
                    trainTokens,
                    heldoutDocuments,
                    List.copyOf(watcher.checkpoints),
                    mainReports,
                    finalReport,
                    reward,
                    (System.nanoTime() - started) / 1e9,
                    base,
                    corpora,
                    List.copyOf(watcher.mixture),
                    figures);
            Path json = stack.options().dataDir().resolve("demo-report.json");
            Files.writeString(json, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(result));
            Path html = stack.options().dataDir().resolve("demo-report.html");
            Files.writeString(html, ReportPage.html("Continual pre-training demo", DemoSummary.facts(result), figures));
            progress.message(DemoSummary.text(result, afterGrpo, json, html));
            return result;
        }
    }

    /** Posts one phase's documents to ingest and counts what it accepted for training and held out. */
    private CorpusUse ingest(Plan.Phase phase) throws IOException, InterruptedException {
        IngestReply outcome = post(phase.documents());
        long tokens = 0;
        long heldout = 0;
        for (IngestReply.Accepted accepted : outcome.accepted()) {
            if (accepted.trains()) {
                tokens += accepted.tokens();
            } else {
                heldout++;
            }
        }
        int notAccepted = outcome.rejected().size() + outcome.duplicates().size();
        return new CorpusUse(phase.corpus(), phase.documents().size(), notAccepted, tokens, heldout);
    }

    private IngestReply post(List<RawDocument> docs) throws IOException, InterruptedException {
        String body = docs.stream().map(Json::write).collect(Collectors.joining("\n"));
        var request = HttpRequest.newBuilder(stack.service(Service.INGEST).url("/documents"))
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            throw new IllegalStateException(
                    "ingest refused the demo documents: " + response.statusCode() + " " + response.body());
        }
        return Json.read(response.body(), IngestReply.class);
    }

    private RewardResponse askReward(TopicWatcher watcher) {
        var request = new RewardRequest(
                "demo-1",
                "demo-group",
                "How many centimeters are in 3 meters?",
                "3 meters is 300 centimeters, because one meter has 100 centimeters.",
                "Three meters is 300 centimeters since each meter has 100 centimeters.",
                Instant.now());
        try (KafkaProducer<String, String> producer = stack.kafkaClients()
                .producer("demo-reward-request", new StringSerializer(), new StringSerializer(), Map.of())) {
            producer.send(new ProducerRecord<>(RewardRequest.TOPIC, request.groupId(), Json.write(request)));
        }
        return watcher.await(
                watcher.rewards, r -> r.requestId().equals("demo-1"), Duration.ofMinutes(2), () -> progress(watcher));
    }

    /** Tokens trained so far, the latest held-out loss of the domain now streaming, and the time left. */
    private void progress(TopicWatcher watcher) {
        var last = watcher.latestCheckpoint();
        long trained = last.map(CheckpointEvent::tokensSeen).orElse(0L);
        progress.update(
                stage,
                trained,
                latestLoss(watcher),
                eta(last.map(this::plannedDone).orElse(0L)));
    }

    /**
     * How much of the plan a checkpoint has done: per planned domain its tokens, capped at the plan. The cap keeps
     * replay (the mixer trains earlier domains again) from counting as progress twice.
     */
    private long plannedDone(CheckpointEvent checkpoint) {
        long done = 0;
        for (var planned : plannedTokens.entrySet()) {
            done += Math.min(planned.getValue(), checkpoint.tokensPerDomain().getOrDefault(planned.getKey(), 0L));
        }
        return done;
    }

    private String latestLoss(TopicWatcher watcher) {
        for (int i = watcher.reports.size() - 1; i >= 0; i--) {
            DomainScore score = watcher.reports.get(i).domains().get(currentDomain);
            if (score != null) {
                return String.format(Locale.ROOT, "%s %.3f", currentDomain, score.loss());
            }
        }
        return null;
    }

    /**
     * From the rate at which the plan gets done since tokens first showed up (the trainer's start-up is not a rate):
     * planned tokens still to train (as ingest counted them once a domain is in) plus the tail.
     */
    private Duration eta(long done) {
        long now = System.nanoTime();
        if (done <= 0) {
            return null;
        }
        if (rateSince == 0) {
            rateSince = now;
            rateTokens = done;
        }
        double seconds = (now - rateSince) / 1e9;
        if (seconds < 10 || done <= rateTokens) {
            return null;
        }
        long planned =
                plannedTokens.values().stream().mapToLong(Long::longValue).sum();
        double rate = (done - rateTokens) / seconds;
        return Duration.ofSeconds((long) (Math.max(0, planned - done) / rate)).plus(TAIL);
    }

    /** How much of one corpus the demo used. */
    public record CorpusUse(
            String name,
            String domain,
            String title,
            String license,
            int documents,
            int rejected,
            long trainingTokens,
            long heldoutDocuments) {
        CorpusUse(ShippedCorpus corpus, int documents, int rejected, long trainingTokens, long heldoutDocuments) {
            this(
                    corpus.name(),
                    corpus.domain(),
                    corpus.title(),
                    corpus.license(),
                    documents,
                    rejected,
                    trainingTokens,
                    heldoutDocuments);
        }
    }

    /** Everything the demo measured. */
    public record DemoResult(
            Map<String, Long> trainTokens,
            Map<String, Long> heldoutDocuments,
            List<CheckpointEvent> checkpoints,
            List<EvalReport> reports,
            EvalReport finalReport,
            RewardResponse reward,
            double seconds,
            StageZero.Outcome base,
            List<CorpusUse> corpora,
            List<MixtureWeights> mixture,
            Figures figures) {}
}
