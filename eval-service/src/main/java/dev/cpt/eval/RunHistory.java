package dev.cpt.eval;

import dev.cpt.contracts.EvalReport;
import io.quarkus.logging.Log;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every report of every run, by step: the loss history the continual-learning metrics and the gate read. A run's
 * history is read from its file in the state directory the first time it is needed (a report of the run arrives, or
 * one of its checkpoints is scored), so a worker starts in time that depends on the number of runs, not of reports. A
 * step reported again (the same checkpoint scored twice) replaces the earlier report.
 */
final class RunHistory {
    private final EvalStateFiles files;
    private final Map<String, NavigableMap<Long, EvalReport>> loaded = new HashMap<>();
    private final Map<String, EvalReport> latest;
    private final Set<String> dirty = new HashSet<>();

    /** @param latest each saved run's latest report, as the state file lists them */
    RunHistory(EvalStateFiles files, Map<String, EvalReport> latest) {
        this.files = files;
        this.latest = new HashMap<>(latest);
    }

    /** Records a report; true when it is the run's latest step so far. */
    synchronized boolean record(EvalReport report) {
        run(report.runId()).put(report.step(), report);
        dirty.add(report.runId());
        EvalReport before = latest.get(report.runId());
        if (before == null || report.step() >= before.step()) {
            latest.put(report.runId(), report);
            return true;
        }
        return false;
    }

    /** The run's reports strictly before {@code step}, in step order. */
    synchronized List<EvalReport> before(String runId, long step) {
        return new ArrayList<>(run(runId).headMap(step, false).values());
    }

    /** The run's report on {@code step}, if there is one. */
    synchronized Optional<EvalReport> at(String runId, long step) {
        return Optional.ofNullable(run(runId).get(step));
    }

    /** Each run's latest report. */
    synchronized Map<String, EvalReport> latest() {
        return Map.copyOf(latest);
    }

    /** Runs whose history has been read into memory. */
    synchronized Set<String> loaded() {
        return Set.copyOf(loaded.keySet());
    }

    /** The runs changed since the last call, with their whole histories; they count as clean from now on. */
    synchronized Map<String, List<EvalReport>> takeDirty() {
        Map<String, List<EvalReport>> changed = new TreeMap<>();
        dirty.forEach(runId -> changed.put(runId, List.copyOf(loaded.get(runId).values())));
        dirty.clear();
        return changed;
    }

    /** Forgets every run, in memory; the files are the caller's. */
    synchronized void clear() {
        loaded.clear();
        latest.clear();
        dirty.clear();
    }

    /** Runs whose saving failed: saved again next time. */
    synchronized void markDirty(Set<String> runIds) {
        dirty.addAll(runIds);
    }

    private NavigableMap<Long, EvalReport> run(String runId) {
        return loaded.computeIfAbsent(runId, id -> {
            NavigableMap<Long, EvalReport> steps = new TreeMap<>();
            files.readRun(id).forEach(r -> steps.put(r.step(), r));
            if (steps.isEmpty() && latest.containsKey(id)) {
                Log.warnf(
                        "run %s: the state file lists it but %s is missing; its history here starts over",
                        id, files.runFile(id));
            }
            return steps;
        });
    }
}
