package dev.cpt.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cpt.trainer.RetentionRule.Checkpoint;
import dev.cpt.trainer.RetentionRule.Decision;
import dev.cpt.trainer.RetentionRule.Facts;
import dev.cpt.trainer.RetentionRule.Reason;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Steps 0 to 9 of a run, each checkpoint's sha256 "sha-<step>"; LATEST names step 9 unless a test says otherwise.
 * Each test takes away every reason to keep a checkpoint but one, and checks that one alone keeps it.
 */
class RetentionRuleTest {
    private static final List<Checkpoint> TEN =
            LongStream.range(0, 10).mapToObj(s -> new Checkpoint(s, sha(s))).toList();

    private static String sha(long step) {
        return "sha-" + step;
    }

    /** Eval has reported on every step in {@code reported}; nothing else is known. */
    private static Facts reportedOn(long latest, LongStream reported) {
        return new Facts(
                latest,
                Set.copyOf(reported.mapToObj(RetentionRuleTest::sha).toList()),
                Set.of(),
                Set.of(),
                Set.of(),
                Set.of(),
                Set.of());
    }

    private static Facts allReported() {
        return reportedOn(9, LongStream.range(0, 10));
    }

    private static List<Long> deletedSteps(Decision d) {
        return d.deleted().stream().map(Checkpoint::step).toList();
    }

    @Test
    void everythingReportedKeepsTheLastKAndTheBase() {
        Decision d = RetentionRule.decide(TEN, 3, allReported());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), deletedSteps(d));
        assertEquals(Set.of(0L, 7L, 8L, 9L), d.kept().keySet());
        assertEquals(Set.of(Reason.BASE), d.kept().get(0L));
        assertEquals(Set.of(Reason.LAST_K), d.kept().get(8L));
        assertEquals(Set.of(Reason.LAST_K, Reason.LATEST), d.kept().get(9L));
    }

    @Test
    void aCheckpointEvalHasNotReportedOnIsKept() {
        // eval lags: it has reported on steps 0 to 4 only
        Decision d = RetentionRule.decide(TEN, 3, reportedOn(9, LongStream.range(0, 5)));
        assertEquals(List.of(1L, 2L, 3L, 4L), deletedSteps(d));
        assertEquals(Set.of(Reason.UNREPORTED), d.kept().get(5L));
        assertEquals(Set.of(Reason.UNREPORTED), d.kept().get(6L));
        assertEquals(Set.of(Reason.UNREPORTED, Reason.LAST_K), d.kept().get(7L));
    }

    @Test
    void aReportOnOtherContentsAtTheSameStepDoesNotCount() {
        // step 3 was written again after a crash: eval reported on the earlier contents, not on these
        List<Checkpoint> rewritten = TEN.stream()
                .map(c -> c.step() == 3 ? new Checkpoint(3, "sha-3-rewritten") : c)
                .toList();
        Decision d = RetentionRule.decide(rewritten, 3, allReported());
        assertEquals(Set.of(Reason.UNREPORTED), d.kept().get(3L));
    }

    @Test
    void aCheckpointWithoutAReadableManifestIsKept() {
        List<Checkpoint> unreadable = TEN.stream()
                .map(c -> c.step() == 4 ? new Checkpoint(4, null) : c)
                .toList();
        Decision d = RetentionRule.decide(unreadable, 3, allReported());
        assertEquals(Set.of(Reason.UNREPORTED), d.kept().get(4L));
    }

    @Test
    void latestIsKeptEvenWhenItIsNotAmongTheLastK() {
        // a rollback went back to step 5 (its later checkpoints hold non-finite weights): LATEST names step 5
        Decision d = RetentionRule.decide(TEN, 3, reportedOn(5, LongStream.range(0, 10)));
        assertEquals(Set.of(Reason.LATEST), d.kept().get(5L));
        assertEquals(List.of(1L, 2L, 3L, 4L, 6L), deletedSteps(d));
    }

    @Test
    void latestIsKeptWithKeepLastOne() {
        Decision d = RetentionRule.decide(TEN, 1, allReported());
        assertEquals(Set.of(0L, 9L), d.kept().keySet());
    }

    @Test
    void releasesAreKept() {
        Facts f = allReported();
        f = new Facts(f.latest(), f.reported(), Set.of(sha(2), sha(5)), Set.of(), Set.of(), Set.of(), Set.of());
        Decision d = RetentionRule.decide(TEN, 3, f);
        assertEquals(Set.of(Reason.RELEASE), d.kept().get(2L));
        assertEquals(Set.of(Reason.RELEASE), d.kept().get(5L));
        assertEquals(List.of(1L, 3L, 4L, 6L), deletedSteps(d));
    }

    @Test
    void theBaseIsTheFirstCheckpointAndTheOneEvalNames() {
        Facts f = allReported();
        f = new Facts(f.latest(), f.reported(), Set.of(), Set.of(3L), Set.of(), Set.of(), Set.of());
        Decision d = RetentionRule.decide(TEN.subList(1, 10), 3, f);
        // step 0 is gone: step 1 is now the run's first checkpoint, and eval takes step 3 as the base
        assertEquals(Set.of(Reason.BASE), d.kept().get(1L));
        assertEquals(Set.of(Reason.BASE), d.kept().get(3L));
        assertEquals(List.of(2L, 4L, 5L, 6L), deletedSteps(d));
    }

    @Test
    void theRollbackTargetIsKept() {
        Facts f = allReported();
        f = new Facts(f.latest(), f.reported(), Set.of(), Set.of(), Set.of(4L), Set.of(), Set.of());
        Decision d = RetentionRule.decide(TEN, 3, f);
        assertEquals(Set.of(Reason.ROLLBACK_TARGET), d.kept().get(4L));
        assertEquals(List.of(1L, 2L, 3L, 5L, 6L), deletedSteps(d));
    }

    @Test
    void theLastCheckpointOfEveryPhaseIsKept() {
        Facts f = allReported();
        f = new Facts(f.latest(), f.reported(), Set.of(), Set.of(), Set.of(), Set.of(2L, 5L, 9L), Set.of());
        Decision d = RetentionRule.decide(TEN, 3, f);
        assertEquals(Set.of(Reason.PHASE_END), d.kept().get(2L));
        assertEquals(Set.of(Reason.PHASE_END), d.kept().get(5L));
        assertEquals(List.of(1L, 3L, 4L, 6L), deletedSteps(d));
    }

    @Test
    void theBaseOfAnOpenGrpoStageIsKept() {
        Facts f = allReported();
        f = new Facts(f.latest(), f.reported(), Set.of(), Set.of(), Set.of(), Set.of(), Set.of(6L));
        Decision d = RetentionRule.decide(TEN, 3, f);
        assertEquals(Set.of(Reason.GRPO_STAGE), d.kept().get(6L));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), deletedSteps(d));
    }

    @Test
    void keepLastZeroDeletesNothing() {
        Decision d = RetentionRule.decide(TEN, 0, allReported());
        assertEquals(List.of(), d.deleted());
        assertEquals(Set.of(Reason.RETENTION_OFF), d.kept().get(4L));
        assertEquals(Set.of(Reason.LATEST), d.kept().get(9L));
    }

    @Test
    void theOrderCheckpointsAreListedInDoesNotMatter() {
        List<Checkpoint> shuffled = List.of(TEN.get(7), TEN.get(0), TEN.get(9), TEN.get(3), TEN.get(8));
        Decision d = RetentionRule.decide(shuffled, 2, allReported());
        assertEquals(List.of(3L, 7L), deletedSteps(d));
        assertEquals(Set.of(0L, 8L, 9L), d.kept().keySet());
    }

    @Test
    void aNegativeKeepLastIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> RetentionRule.decide(TEN, -1, allReported()));
    }
}
