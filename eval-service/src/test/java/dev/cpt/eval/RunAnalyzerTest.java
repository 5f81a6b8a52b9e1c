package dev.cpt.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.DomainScore;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.EvalReport.BranchPoint;
import dev.cpt.contracts.EvalReport.GateDecision;
import dev.cpt.contracts.EvalReport.HeldoutSetInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A GRPO stage ({@code demo-grpo-1}) branched off step 1200 of the CPT run {@code demo}, which trained general and
 * code: its checkpoints are gated against the branch point, general and code protected, with real reports on the
 * same held-out sets.
 */
class RunAnalyzerTest {
    private static final String BASE_URI = "file:/store/demo/step-000001200/";
    private static final BranchPoint BRANCH = new BranchPoint(BASE_URI, "demo", 1200L);
    private static final Map<String, Long> TOKENS = Map.of("general", 9000L, "code", 3000L);
    private static final HeldoutSet.Snapshot SETS = new HeldoutSet.Snapshot(new TreeMap<>(Map.of(
            "general", new HeldoutSet.DomainSet(List.of(new int[] {1, 2, 3}), "g-set", true),
            "code", new HeldoutSet.DomainSet(List.of(new int[] {4, 5, 6}), "c-set", true))));
    /** The CPT run's report on the branch point: general 2.00, code 1.50. */
    private static final EvalReport BASE_REPORT =
            report("demo", 1200, BASE_URI, Map.of("general", 2.00, "code", 1.50), null);

    /** Records each checkpoint it is asked to rescore; answers general 2.10, code 1.60 for the branch point. */
    private final List<String> rescored = new ArrayList<>();

    private final RunAnalyzer.Rescorer rescorer = (checkpoint, sets) -> {
        rescored.add(checkpoint.checkpointUri() + " " + sets.keySet());
        Map<String, Double> losses = new TreeMap<>(Map.of("general", 2.10, "code", 1.60));
        losses.keySet().retainAll(sets.keySet());
        return losses;
    };

    private RunAnalyzer analyzer(Optional<EvalReport> parentReport) {
        return new RunAnalyzer(new PromotionGate(0.01, 0.05), 0.02, rescorer, branch -> {
            assertEquals(BRANCH, branch);
            return parentReport;
        });
    }

    @Test
    void aGrpoCheckpointWhoseGeneralLossRoseMoreThanTheMarginOverTheBranchPointIsRefused() {
        EvalReport grpo = report("demo-grpo-1", 2, "file:/store/demo-grpo-1/step-000000002/", losses(2.08, 1.49), null);

        RunAnalyzer.Analysis a = analyzer(Optional.of(BASE_REPORT)).analyze(List.of(step0()), grpo, SETS, BRANCH);

        GateDecision gate = a.gate();
        assertFalse(gate.released(), gate.reason());
        assertTrue(gate.reason().startsWith("GRPO/branch gate"), gate.reason());
        assertTrue(gate.reason().contains("run demo step 1200 (" + BASE_URI + ")"), gate.reason());
        assertTrue(gate.reason().contains("protected general regressed 0.0800 > 0.0500"), gate.reason());
        assertFalse(gate.reason().contains("code regressed"), gate.reason());
        assertEquals(List.of("code", "general"), gate.protectedDomains());
        assertEquals(List.of(), gate.targetDomains());
        assertNull(gate.targetImprovement());
        assertEquals(BRANCH, gate.branchPoint());
        assertEquals(1200, gate.referenceStep());
        assertFalse(gate.referenceIsRelease());
        assertEquals(0.08, gate.protectedRegressions().get("general"), 1e-9);
        assertEquals(-0.01, gate.protectedRegressions().get("code"), 1e-9);
        assertNull(gate.lastGoodReleaseStep());
        // forgetting against the branch point, which is the base of the branch's continual metrics
        assertEquals(1200, a.continual().baseStep());
        assertEquals(0.08, a.continual().forgettingVsBase().get("general"), 1e-9);
        assertEquals(List.of(), a.continual().phases());
        assertEquals(List.of(), rescored, "the base's own report had both losses");
    }

    @Test
    void aGrpoCheckpointWithinTheMarginOnEveryDomainIsReleased() {
        EvalReport grpo = report("demo-grpo-1", 2, "file:/store/demo-grpo-1/step-000000002/", losses(2.04, 1.54), null);

        GateDecision gate = analyzer(Optional.of(BASE_REPORT))
                .analyze(List.of(step0()), grpo, SETS, BRANCH)
                .gate();

        assertTrue(gate.released(), gate.reason());
        assertTrue(gate.reason().contains("no protected domain of [code, general] regressed more than 0.0500"));
        assertEquals(2L, gate.lastGoodReleaseStep());
        assertFalse(gate.regression());
    }

    @Test
    void theBranchPointIsRescoredWhenEvalHasNoReportOnIt() {
        EvalReport grpo = report("demo-grpo-1", 2, "file:/store/demo-grpo-1/step-000000002/", losses(2.18, 1.61), null);

        GateDecision gate = analyzer(Optional.empty())
                .analyze(List.of(step0()), grpo, SETS, BRANCH)
                .gate();

        assertEquals(List.of(BASE_URI + " [code, general]"), rescored);
        // against the rescored 2.10 / 1.60, not the report's 2.00 / 1.50
        assertEquals(0.08, gate.protectedRegressions().get("general"), 1e-9);
        assertEquals(0.01, gate.protectedRegressions().get("code"), 1e-9);
        assertFalse(gate.released(), gate.reason());
    }

    @Test
    void aDomainTheBranchPointsReportWasNotScoredOnIsRescoredAlone() {
        // the base was scored before code's held-out set existed: its code loss is not comparable
        EvalReport early = report("demo", 1200, BASE_URI, losses(2.00, 9.99), Map.of("code", "older-set"));
        EvalReport grpo = report("demo-grpo-1", 2, "file:/store/demo-grpo-1/step-000000002/", losses(2.01, 1.62), null);

        GateDecision gate = analyzer(Optional.of(early))
                .analyze(List.of(), grpo, SETS, BRANCH)
                .gate();

        assertEquals(List.of(BASE_URI + " [code]"), rescored);
        assertEquals(0.01, gate.protectedRegressions().get("general"), 1e-9);
        assertEquals(0.02, gate.protectedRegressions().get("code"), 1e-9);
        assertTrue(gate.released(), gate.reason());
    }

    @Test
    void stepZeroHoldsTheBranchPointsWeightsAndIsNotReleased() {
        GateDecision gate = analyzer(Optional.of(BASE_REPORT))
                .analyze(List.of(), step0(), SETS, BRANCH)
                .gate();

        assertFalse(gate.released(), gate.reason());
        assertTrue(gate.reason().contains("step 0 holds the branch point's own weights"), gate.reason());
        assertEquals(List.of("code", "general"), gate.protectedDomains());
    }

    @Test
    void afterAReleaseInTheBranchARiseOverThatReleaseRaisesTheRegressionAlert() {
        RunAnalyzer analyzer = analyzer(Optional.of(BASE_REPORT));
        EvalReport released =
                report("demo-grpo-1", 2, "file:/store/demo-grpo-1/step-000000002/", losses(1.95, 1.50), null);
        released = withGate(
                released,
                analyzer.analyze(List.of(step0()), released, SETS, BRANCH).gate());
        assertTrue(released.gate().released(), released.gate().reason());
        // general rises 0.06 over the release, but only 0.01 over the branch point: released, with the alert
        EvalReport later =
                report("demo-grpo-1", 4, "file:/store/demo-grpo-1/step-000000004/", losses(2.01, 1.50), null);

        GateDecision gate = analyzer.analyze(List.of(step0(), released), later, SETS, BRANCH)
                .gate();

        assertTrue(gate.released(), gate.reason());
        assertTrue(gate.regression(), gate.reason());
        assertTrue(gate.reason().contains("REGRESSION after release at step 2 on [general]"), gate.reason());
        assertEquals(1200, gate.referenceStep());
    }

    @Test
    void aRunThatIsNotABranchKeepsThePhaseGate() {
        EvalReport cpt = report("demo", 1200, BASE_URI, Map.of("general", 2.00, "code", 1.50), null);

        GateDecision gate =
                analyzer(Optional.empty()).analyze(List.of(), cpt, SETS, null).gate();

        assertNull(gate.branchPoint());
        assertEquals(List.of("code", "general"), gate.targetDomains());
        assertTrue(gate.reason().startsWith("the reference itself"), gate.reason());
    }

    private static EvalReport step0() {
        return report("demo-grpo-1", 0, "file:/store/demo-grpo-1/step-000000000/", losses(2.00, 1.50), null);
    }

    private static Map<String, Double> losses(double general, double code) {
        return Map.of("general", general, "code", code);
    }

    /** A scored report on {@link #SETS}; {@code otherSets} names domains scored on another set than the current. */
    private static EvalReport report(
            String run, long step, String uri, Map<String, Double> losses, Map<String, String> otherSets) {
        Map<String, DomainScore> scores = new TreeMap<>();
        losses.forEach((domain, loss) -> scores.put(domain, new DomainScore(loss, Math.exp(loss), 100)));
        Map<String, HeldoutSetInfo> sets = new TreeMap<>(SETS.infos());
        if (otherSets != null) {
            otherSets.forEach((domain, sha) -> sets.put(domain, new HeldoutSetInfo(sha, 1, false)));
        }
        return new EvalReport(
                run,
                step,
                "%064x".formatted(step + run.length()),
                scores,
                SETS.sha256(),
                null,
                Instant.parse("2026-12-04T12:00:00Z"),
                uri,
                TOKENS,
                sets,
                null,
                null,
                null);
    }

    private static EvalReport withGate(EvalReport r, GateDecision gate) {
        return new EvalReport(
                r.runId(),
                r.step(),
                r.checkpointSha256(),
                r.domains(),
                r.heldoutSetSha256(),
                null,
                r.at(),
                r.checkpointUri(),
                r.tokensPerDomain(),
                r.heldoutSets(),
                null,
                gate,
                null);
    }
}
