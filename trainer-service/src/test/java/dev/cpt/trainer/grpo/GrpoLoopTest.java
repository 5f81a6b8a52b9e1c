package dev.cpt.trainer.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.GrpoStepReport;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.model.PolicyObjective;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The GRPO loop against a reward source the test answers by hand: rewards in time, late, never, all equal. */
class GrpoLoopTest {
    private static final OptimizerSettings ADAMW = OptimizerSettings.defaults().withLearningRate(1e-3);

    static final GrpoLoop.Exclusive DIRECT = new GrpoLoop.Exclusive() {
        @Override
        public <T> T run(Supplier<T> work) {
            return work.get();
        }
    };

    private LanguageModel policy;
    private LanguageModel reference;
    private final List<GrpoLoop> loops = new ArrayList<>();
    private final List<TaskExample> train = DemoTasks.generate("arithmetic", 8, 1);

    @BeforeEach
    void models() {
        policy = LanguageModel.create(GptConfig.tiny(), 11);
        reference = policy.copy();
    }

    @AfterEach
    void close() {
        loops.forEach(GrpoLoop::close);
        policy.close();
        reference.close();
    }

    private GrpoLoop loop(RewardSource rewards, int maxStaleness, double beta) {
        return loop(rewards, maxStaleness, beta, 1.0);
    }

    private GrpoLoop loop(RewardSource rewards, int maxStaleness, double beta, double temperature) {
        return loop(rewards, maxStaleness, beta, temperature, false);
    }

    private GrpoLoop loop(RewardSource rewards, int maxStaleness, double beta, double temperature, boolean overlap) {
        GrpoSettings s = new GrpoSettings(
                4,
                2,
                1,
                new PolicyObjective(0.2, beta),
                ADAMW,
                temperature,
                8,
                Duration.ofSeconds(1),
                maxStaleness,
                overlap,
                2.0,
                5);
        GrpoLoop loop = new GrpoLoop("t", policy, beta > 0 ? reference : null, rewards, train, s, DIRECT);
        loops.add(loop);
        return loop;
    }

    @Test
    void rewardsInTimeGiveAnUpdateOnEveryGroup() throws Exception {
        // longer answers score higher: rewards differ within a group, so advantages are not all zero
        ManualRewards rewards =
                new ManualRewards(r -> Math.min(1.0, r.completion().length() / 8.0));
        GrpoStepReport r = loop(rewards, 0, 0.04).step();
        assertTrue(r.applied());
        assertEquals(2, r.groupsUsed());
        assertEquals(8, rewards.requested.size(), "G x prompts requests");
        assertEquals(1, r.policyVersion());
        assertEquals(0.0, r.kl(), 1e-6, "first step: the policy is still the reference");
        assertEquals(1.0, r.meanRatio(), 1e-5, "first inner step: pi == pi_old");
        assertTrue(
                rewards.requested.values().stream().allMatch(q -> q.requestId().startsWith(q.groupId() + "-")),
                "requests are keyed by their rollout group");
    }

    @Test
    void theRatioIsOneOnTheFirstInnerStepAtAnySamplingTemperature() throws Exception {
        // pi_old and the recomputed pi must both be the tempered distribution the rollouts came from; log-probabilities
        // taken at temperature 1 for rollouts sampled at 0.5 (or 2) would put the first ratio away from 1
        for (double temperature : new double[] {0.5, 2.0}) {
            // a fresh policy and reference for each temperature, as @BeforeEach makes them
            close();
            models();
            ManualRewards rewards =
                    new ManualRewards(r -> Math.min(1.0, r.completion().length() / 8.0));
            GrpoStepReport r = loop(rewards, 0, 0.04, temperature).step();
            assertTrue(r.applied());
            assertEquals(1.0, r.meanRatio(), 1e-5, "temperature " + temperature + ": first inner step, pi == pi_old");
            assertEquals(0.0, r.clipFraction(), 0.0, "temperature " + temperature);
            assertEquals(0.0, r.kl(), 1e-6, "temperature " + temperature + ": the policy is still the reference");
        }
    }

    @Test
    void rewardsThatNeverComeDropTheRolloutsAndTheStepStillEnds() throws Exception {
        ManualRewards silent = new ManualRewards(null);
        GrpoStepReport r = loop(silent, 0, 0.04).step();
        assertFalse(r.applied());
        assertEquals(0, r.groupsUsed());
        assertEquals(2, r.staleGroupsDropped());
        assertEquals(0, r.policyVersion());
    }

    @Test
    void lateRewardsAreUsedWithinTheStalenessLimitAndCountedAfterIt() throws Exception {
        ManualRewards rewards = new ManualRewards(null);
        GrpoLoop loop = loop(rewards, 1, 0);

        GrpoStepReport first = loop.step();
        assertFalse(first.applied());
        assertEquals(0, first.staleGroupsDropped(), "one update old at most by the next step: kept");
        List<String> firstIds = rewards.ids();
        for (int i = 0; i < firstIds.size(); i++) {
            rewards.answer(firstIds.get(i), i % 2);
        }

        GrpoStepReport second = loop.step();
        assertTrue(second.applied(), "the first step's groups, complete now, are trained on");
        assertEquals(2, second.groupsUsed());
        assertEquals(0, second.staleGroupsDropped());

        // the second step's groups were sampled at version 0; at the third step the policy is at version 1 and
        // would be 2 updates past them by the fourth: dropped and counted
        GrpoStepReport third = loop.step();
        assertEquals(2, third.staleGroupsDropped());
        String secondStepId = rewards.ids().get(firstIds.size());
        rewards.answer(secondStepId, 0.5);
        GrpoStepReport fourth = loop.step();
        assertEquals(1, fourth.lateRewards(), "an answer for a dropped rollout is late");
    }

    @Test
    void overlappedRolloutsAreSampledBeforeTheUpdateAndTrainedOnOneUpdateLater() throws Exception {
        ManualRewards rewards =
                new ManualRewards(r -> Math.min(1.0, r.completion().length() / 8.0));
        GrpoLoop loop = loop(rewards, 1, 0.04, 1.0, true);

        GrpoStepReport first = loop.step();
        assertTrue(first.applied());
        assertEquals(16, rewards.requested.size(), "the first step also sent the second step's requests");
        assertEquals(0.0, first.meanStaleness(), 0.0, "its own rollouts: on-policy");
        assertEquals(0.0, first.truncatedFraction(), 0.0);

        GrpoStepReport second = loop.step();
        assertTrue(second.applied());
        assertEquals(2, second.groupsUsed());
        assertEquals(1.0, second.meanStaleness(), 0.0, "sampled before the first update, trained after it");
        // the ratio is taken against the policy before this update, so the first inner step starts at 1 again
        assertEquals(1.0, second.meanRatio(), 1e-5);
        assertEquals(0.0, second.clipFraction(), 0.0);
        assertTrue(second.truncatedFraction() >= 0 && second.truncatedFraction() <= 1);
        assertTrue(second.rolloutTokens() > 0, "the third step's rollouts were sampled");
        assertEquals(24, rewards.requested.size());

        assertEquals(2, loop.abandonPending(), "the third step's prefetched groups are dropped at the end");
    }

    @Test
    void theLastStepOfAnOverlappedStageSamplesNoRolloutsForAStepThatWillNotCome() throws Exception {
        ManualRewards rewards =
                new ManualRewards(r -> Math.min(1.0, r.completion().length() / 8.0));
        GrpoLoop loop = loop(rewards, 1, 0.04, 1.0, true);

        assertTrue(loop.step(true).applied());
        assertEquals(16, rewards.requested.size(), "the first step also sent the second step's requests");
        GrpoStepReport last = loop.step(false);
        assertTrue(last.applied(), "it trains on the rollouts the first step sampled for it");
        assertEquals(16, rewards.requested.size(), "and sends no requests for a third step");
        assertEquals(0, last.rolloutTokens(), "it sampled nothing itself");
        assertEquals(0, loop.abandonPending(), "nothing is left to drop");
    }

    @Test
    void theFirstStepTakesTheRolloutsStartedAheadOfItAndSamplesNoneItself() throws Exception {
        ManualRewards rewards =
                new ManualRewards(r -> Math.min(1.0, r.completion().length() / 8.0));
        GrpoLoop loop = loop(rewards, 1, 0.04, 1.0, true);

        loop.startFirstRollouts();
        // the stage's other work before its first step, on the policy itself, while they are sampled
        assertEquals(4, loop.heldOutReward(train.subList(0, 4), "before").answered());
        GrpoStepReport first = loop.step();
        assertTrue(first.applied());
        assertEquals(2, first.groupsUsed());
        assertEquals(0.0, first.meanStaleness(), 0.0, "sampled from the policy its step updates: on-policy");
        assertEquals(8, requestsOf(rewards, "t-s1-"), "the first step's rollouts, sampled once");
        assertEquals(8, requestsOf(rewards, "t-s2-"), "the second step's, sampled during the first");
        assertThrows(IllegalStateException.class, loop::startFirstRollouts, "only before the first step");
    }

    @Test
    void aResumedLoopStartsTheRolloutsOfTheStepItResumesAt() throws Exception {
        ManualRewards rewards =
                new ManualRewards(r -> Math.min(1.0, r.completion().length() / 8.0));
        GrpoLoop loop = loop(rewards, 1, 0.04, 1.0, true);
        loop.continueFrom(3, 3);
        loop.startFirstRollouts();
        assertThrows(IllegalStateException.class, () -> loop.continueFrom(3, 3));

        GrpoStepReport resumed = loop.step();
        assertEquals(4, resumed.step());
        assertEquals(8, requestsOf(rewards, "t-s4-"));
        assertEquals(0, requestsOf(rewards, "t-s1-"));
    }

    @Test
    void rolloutsStartedForAFirstStepThatNeverCameAreDroppedAtTheEnd() {
        ManualRewards rewards = new ManualRewards(null);
        GrpoLoop loop = loop(rewards, 1, 0.04, 1.0, true);
        loop.startFirstRollouts();
        assertEquals(2, loop.abandonPending(), "the two groups sampled for it");
        assertEquals(8, rewards.ids().size());
    }

    private static long requestsOf(ManualRewards rewards, String prefix) {
        return rewards.ids().stream().filter(id -> id.startsWith(prefix)).count();
    }

    @Test
    void overlapWithoutRoomForStaleRolloutsIsRefused() {
        ManualRewards rewards = new ManualRewards(r -> 0.5);
        assertThrows(IllegalArgumentException.class, () -> loop(rewards, 0, 0, 1.0, true));
    }

    @Test
    void allEqualGroupsAreCountedAndMoveNothingWithoutKl() throws Exception {
        ManualRewards constant = new ManualRewards(r -> 0.5);
        var before = policy.completionLogProbs(new int[][] {{'Q', ':', ' '}}, new int[][] {{'1', '2'}});
        GrpoStepReport r = loop(constant, 0, 0).step();
        assertEquals(2, r.zeroStdGroups());
        assertEquals(0.0, r.advantageStd(), 0.0);
        assertEquals(0.0, r.loss(), 1e-9);
        var after = policy.completionLogProbs(new int[][] {{'Q', ':', ' '}}, new int[][] {{'1', '2'}});
        // zero advantages and no KL: a zero gradient; AdamW's decoupled weight decay still shrinks weights a little
        assertEquals(before[0][0], after[0][0], 1e-2);
    }

    @Test
    void heldOutRewardIsTheMeanOfTheAnswersThatCame() throws Exception {
        ManualRewards rewards = new ManualRewards(r -> r.requestId().endsWith("-0") ? 1.0 : 0.0);
        GrpoLoop.HeldOutReward h = loop(rewards, 0, 0).heldOutReward(train.subList(0, 4), "before");
        assertEquals(4, h.answered());
        assertEquals(0.25, h.mean(), 1e-12);
    }
}
