package dev.cpt.eval;

import dev.cpt.contracts.DomainScore;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.EvalReport.ContinualMetrics;
import dev.cpt.contracts.EvalReport.GateDecision;
import dev.cpt.contracts.EvalReport.HeldoutSetInfo;
import dev.cpt.contracts.EvalReport.MatrixRow;
import dev.cpt.contracts.EvalReport.Phase;
import dev.cpt.contracts.EvalReport.StabilityGap;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.Topics;
import dev.cpt.kafka.EmbeddedKafka;
import dev.cpt.kafka.clients.KafkaClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Eval start-up time against the number of reports on {@code cpt.eval.reports}, a command, not a test (see
 * bench/startup.sh). On an embedded broker, for each total in {@code --reports} (spread over {@code --runs} runs,
 * interleaved as concurrent runs publish them), the report history is started {@code --rounds} times:
 * <ol>
 *   <li>{@code replay}: an empty state directory, so the whole topic is read from its beginning, until it has caught
 *       up; then the snapshot the next case starts from is written (timed apart);</li>
 *   <li>{@code snapshot}: from that snapshot, until caught up; then the first use of one run's history (what the
 *       first checkpoint of a run after a restart pays: reading that run's file).</li>
 * </ol>
 * The totals are reached by publishing more reports on the same topic between sizes. Prints {@code RESULT} lines and
 * a table.
 */
public final class EvalStartupBenchmark {
    private static final String[] DOMAINS = {"general", "geology", "arithmetic"};

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int[] totals = Arrays.stream(a.getOrDefault("reports", "100,1000,10000").split(","))
                .mapToInt(Integer::parseInt)
                .sorted()
                .toArray();
        int runs = Integer.parseInt(a.getOrDefault("runs", "10"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "3"));
        Path work = Files.createTempDirectory("cpt-eval-startup-bench");
        List<String> table = new ArrayList<>();
        try (EmbeddedKafka broker = EmbeddedKafka.start(work.resolve("kafka"), 0)) {
            broker.createTopics(Topics.ALL);
            KafkaClients kafka =
                    KafkaClients.of(Map.of("bootstrap.servers", broker.bootstrapServers()), "eval-startup-bench");
            int published = 0;
            // Uncounted: JIT and the first Kafka connections.
            published = publishUpTo(broker, published, Math.min(totals[0], 100), runs);
            measure(kafka, work.resolve("warm-up"), published);
            for (int total : totals) {
                published = publishUpTo(broker, published, total, runs);
                List<double[]> samples = new ArrayList<>();
                for (int r = 0; r < rounds; r++) {
                    double[] s = measure(kafka, work.resolve("state-" + total + "-" + r), published);
                    samples.add(s);
                    System.out.printf(
                            "RESULT reports=%d runs=%d round=%d replay_s=%.3f snapshot_write_s=%.3f snapshot_s=%.3f"
                                    + " first_run_load_s=%.3f state_file_bytes=%d run_file_bytes=%d%n",
                            total, runs, r, s[0], s[1], s[2], s[3], (long) s[4], (long) s[5]);
                }
                table.add(String.format(
                        "| %,d | %d | %.3f | %.3f | %.3f | %.3f | %,d | %,d |",
                        total,
                        runs,
                        median(samples, 0),
                        median(samples, 2),
                        median(samples, 3),
                        median(samples, 1),
                        (long) median(samples, 4),
                        (long) median(samples, 5)));
            }
        }
        System.out.printf(
                "%nEval report history ready (seconds, median of %d; %d cores, load average %s)%n",
                rounds, Runtime.getRuntime().availableProcessors(), loadAverage());
        System.out.println("| reports | runs | replay from the beginning | from the snapshot | first use of one run"
                + " | snapshot write | reports-state.json bytes | one run file bytes |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        table.forEach(System.out::println);
    }

    /**
     * One replay from the beginning into {@code dir}, the snapshot written on close, one start from that snapshot.
     * Returns seconds: replay, snapshot write, start from the snapshot, first run load; then bytes of the state file
     * and of run-0's file.
     */
    private static double[] measure(KafkaClients kafka, Path dir, int expected) {
        long t0 = System.nanoTime();
        ReportHistory replay = new ReportHistory(kafka, dir, Integer.MAX_VALUE, r -> {}).start();
        await(replay, expected);
        long t1 = System.nanoTime();
        replay.snapshot();
        long t2 = System.nanoTime();
        replay.close();
        long t2b = System.nanoTime();
        ReportHistory restarted = new ReportHistory(kafka, dir, Integer.MAX_VALUE, r -> {}).start();
        await(restarted, 0);
        long t3 = System.nanoTime();
        int steps = restarted.before("run-0", Long.MAX_VALUE).size();
        long t4 = System.nanoTime();
        if (steps == 0) {
            throw new IllegalStateException("run-0 has no history after the restart");
        }
        restarted.close();
        EvalStateFiles files = new EvalStateFiles(dir);
        return new double[] {
            (t1 - t0) / 1e9,
            (t2 - t1) / 1e9,
            (t3 - t2b) / 1e9,
            (t4 - t3) / 1e9,
            size(dir.resolve(EvalStateFiles.STATE_FILE)),
            size(files.runFile("run-0"))
        };
    }

    private static void await(ReportHistory history, int expected) {
        if (!history.awaitCaughtUp(Duration.ofMinutes(5))) {
            throw new IllegalStateException("not caught up: " + history.lag());
        }
        if (history.readFromTopic() != expected) {
            throw new IllegalStateException("read " + history.readFromTopic() + " reports, expected " + expected);
        }
    }

    /** Publishes reports until the topic holds {@code total}, run after run at each step; returns the new total. */
    private static int publishUpTo(EmbeddedKafka broker, int published, int total, int runs) {
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of(
                        "bootstrap.servers", broker.bootstrapServers(), "linger.ms", 20, "compression.type", "lz4"),
                new StringSerializer(),
                new StringSerializer())) {
            for (int i = published; i < total; i++) {
                EvalReport r = report("run-" + (i % runs), i / runs);
                producer.send(new ProducerRecord<>(EvalReport.TOPIC, r.runId(), Json.write(r)));
            }
            producer.flush();
        }
        return total;
    }

    /** A report with what a real one carries: three domains, three phases, the matrix, a stability gap, a gate. */
    static EvalReport report(String run, long step) {
        Map<String, DomainScore> scores = new TreeMap<>();
        Map<String, HeldoutSetInfo> sets = new TreeMap<>();
        Map<String, Long> tokens = new TreeMap<>();
        Map<String, Double> losses = new TreeMap<>();
        for (int d = 0; d < DOMAINS.length; d++) {
            double loss = 3.0 + d * 0.2 - Math.log1p(step) * 0.1;
            scores.put(DOMAINS[d], new DomainScore(loss, Math.exp(loss), 98_112));
            sets.put(DOMAINS[d], new HeldoutSetInfo("%064x".formatted(d + 1), 64, true));
            tokens.put(DOMAINS[d], step * 40_960 / (d + 1));
            losses.put(DOMAINS[d], loss);
        }
        List<Phase> phases = new ArrayList<>();
        List<MatrixRow> matrix = new ArrayList<>();
        for (int p = 0; p < DOMAINS.length; p++) {
            phases.add(new Phase(p, List.of(DOMAINS[p]), p * 100L, p * 100L + 99));
            matrix.add(new MatrixRow(p, p * 100L + 99, losses));
        }
        var continual = new ContinualMetrics(
                0,
                losses,
                phases,
                matrix,
                losses,
                losses,
                0.01,
                0.02,
                List.of(new StabilityGap(1, "general", 100, 0.05, 104, 12L)));
        var gate = new GateDecision(
                step % 5 == 0,
                "target improvement 0.012 >= 0.01; no protected domain regressed more than 0.05",
                List.of("arithmetic"),
                Math.max(0, step - 5),
                true,
                0.012,
                Map.of("general", 0.01, "geology", -0.02),
                false,
                Math.max(0, step - 5),
                List.of("general", "geology"),
                null);
        return new EvalReport(
                run,
                step,
                "%064x".formatted(step),
                scores,
                "%064x".formatted(99),
                null,
                Instant.parse("2026-12-04T00:00:00Z").plusSeconds(step),
                "file:///var/lib/cpt/checkpoints/" + run + "/step-" + step,
                tokens,
                sets,
                continual,
                gate,
                Map.of());
    }

    private static double median(List<double[]> samples, int column) {
        List<Double> values =
                new ArrayList<>(samples.stream().map(s -> s[column]).toList());
        Collections.sort(values);
        return values.get(values.size() / 2);
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ", 4)[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
