package dev.cpt.eval;

import dev.cpt.contracts.EvalReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Every report of every run, by step: the loss history the continual-learning metrics and the gate read. It is
 * rebuilt from {@code cpt.eval.reports} (read from the beginning by every worker), so a restarted worker, and every
 * worker of the group, holds the same history. A step reported again (the same checkpoint scored twice) replaces
 * the earlier report.
 */
final class RunHistory {
    private final Map<String, NavigableMap<Long, EvalReport>> runs = new ConcurrentHashMap<>();

    /** Records a report; true when it is the run's latest step so far. */
    boolean record(EvalReport report) {
        NavigableMap<Long, EvalReport> run = runs.computeIfAbsent(report.runId(), r -> new ConcurrentSkipListMap<>());
        run.put(report.step(), report);
        return run.lastKey() == report.step();
    }

    /** The run's reports strictly before {@code step}, in step order. */
    List<EvalReport> before(String runId, long step) {
        NavigableMap<Long, EvalReport> run = runs.get(runId);
        return run == null
                ? List.of()
                : new ArrayList<>(run.headMap(step, false).values());
    }
}
