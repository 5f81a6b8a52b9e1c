package dev.cpt.ingest.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time used by this JVM (the ingest path) and by its child processes (the embedded broker) over an interval.
 * On a shared machine wall-clock MB/s depends on the neighbours; CPU-seconds per MB depends much less on them, and
 * says what a quiet machine of n cores can do: n / (core-seconds per MB) MB/s when the work spreads over the cores.
 *
 * <p>On Linux the JVM's share is also split by thread kind (from {@code /proc/self/task}), so that the JIT
 * compiler's one-off work, the garbage collector and the producer's I/O thread can be told apart from the ingest
 * threads themselves. Threads that ended before {@link #stop} are missing from the split but not from the total.
 */
final class CpuClock {
    /** What the interval cost, in CPU seconds. */
    record Used(double ingestSeconds, double brokerSeconds, Map<String, Double> byThreadKind) {
        double totalSeconds() {
            return ingestSeconds + brokerSeconds;
        }
    }

    private final long ingestNanos;
    private final long brokerNanos;
    private final Map<String, Long> threadTicks;

    private CpuClock() {
        ingestNanos = ownNanos();
        brokerNanos = childrenNanos();
        threadTicks = threadKindTicks();
    }

    static CpuClock start() {
        return new CpuClock();
    }

    Used stop() {
        Map<String, Double> kinds = new TreeMap<>();
        threadKindTicks().forEach((kind, ticks) -> {
            long used = ticks - threadTicks.getOrDefault(kind, 0L);
            if (used > 0) {
                kinds.put(kind, used / 100.0); // USER_HZ is 100 on Linux
            }
        });
        return new Used((ownNanos() - ingestNanos) / 1e9, (childrenNanos() - brokerNanos) / 1e9, kinds);
    }

    private static long ownNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static long childrenNanos() {
        return ProcessHandle.current()
                .descendants()
                .mapToLong(
                        p -> p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L))
                .sum();
    }

    /** utime + stime ticks per thread kind: the thread name without its number ("GC Thread#1" is "GC Thread"). */
    private static Map<String, Long> threadKindTicks() {
        Map<String, Long> ticks = new TreeMap<>();
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return ticks;
        }
        try (DirectoryStream<Path> all = Files.newDirectoryStream(tasks)) {
            for (Path task : all) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks.merge(kind(name), Long.parseLong(fields[11]) + Long.parseLong(fields[12]), Long::sum);
                } catch (IOException | RuntimeException threadEnded) {
                    // the thread ended while we read it
                }
            }
        } catch (IOException e) {
            return ticks;
        }
        return ticks;
    }

    private static String kind(String threadName) {
        if (threadName.startsWith("C1 Compiler") || threadName.startsWith("C2 Compiler")) {
            return "JIT compiler";
        }
        if (threadName.startsWith("GC Thread") || threadName.startsWith("VM Thread")) {
            return "garbage collector";
        }
        if (threadName.startsWith("kafka-producer")) {
            return "producer I/O";
        }
        if (threadName.startsWith("ingest-")) {
            return "ingest threads";
        }
        return "other JVM threads";
    }
}
