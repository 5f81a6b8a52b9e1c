package dev.cpt.trainer;

import static dev.cpt.contracts.metrics.Metrics.GRPO_ADVANTAGE_STD;
import static dev.cpt.contracts.metrics.Metrics.GRPO_CLIP_FRACTION;
import static dev.cpt.contracts.metrics.Metrics.GRPO_GROUPS_USED;
import static dev.cpt.contracts.metrics.Metrics.GRPO_HELDOUT_REWARD;
import static dev.cpt.contracts.metrics.Metrics.GRPO_KL;
import static dev.cpt.contracts.metrics.Metrics.GRPO_LATE_REWARDS;
import static dev.cpt.contracts.metrics.Metrics.GRPO_POLICY_VERSION;
import static dev.cpt.contracts.metrics.Metrics.GRPO_REWARD_LATENCY;
import static dev.cpt.contracts.metrics.Metrics.GRPO_REWARD_MEAN;
import static dev.cpt.contracts.metrics.Metrics.GRPO_ROLLOUT_TOKENS;
import static dev.cpt.contracts.metrics.Metrics.GRPO_ROLLOUT_TOKENS_PER_SECOND;
import static dev.cpt.contracts.metrics.Metrics.GRPO_STALENESS;
import static dev.cpt.contracts.metrics.Metrics.GRPO_STALE_GROUPS;
import static dev.cpt.contracts.metrics.Metrics.GRPO_STEPS;
import static dev.cpt.contracts.metrics.Metrics.GRPO_TASKS_REJECTED;
import static dev.cpt.contracts.metrics.Metrics.GRPO_TRUNCATED_FRACTION;
import static dev.cpt.contracts.metrics.Metrics.GRPO_ZERO_STD_GROUPS;

import dev.cpt.contracts.GrpoStepReport;
import dev.cpt.service.GaugeValues;
import dev.cpt.trainer.grpo.GrpoLoop;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * What every GRPO step did, tagged with the GRPO run: reward, advantage spread, KL, clipping, dropped rollouts, rollout
 * throughput, reward latency, staleness and truncated importance weights; and the lines of the user's tasks it refused.
 */
@ApplicationScoped
public class GrpoMetrics {
    private final MeterRegistry registry;
    private final GaugeValues gauges;

    GrpoMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.gauges = new GaugeValues(registry);
    }

    void step(String run, GrpoStepReport r) {
        Tags tags = Tags.of("run", run);
        registry.counter(GRPO_STEPS.name(), tags.and("applied", Boolean.toString(r.applied())))
                .increment();
        registry.counter(GRPO_STALE_GROUPS.name(), tags).increment(r.staleGroupsDropped());
        registry.counter(GRPO_LATE_REWARDS.name(), tags).increment(r.lateRewards());
        registry.counter(GRPO_ZERO_STD_GROUPS.name(), tags).increment(r.zeroStdGroups());
        registry.counter(GRPO_GROUPS_USED.name(), tags).increment(r.groupsUsed());
        registry.counter(GRPO_ROLLOUT_TOKENS.name(), tags).increment(r.rolloutTokens());
        double seconds = r.rolloutTime().toNanos() / 1e9;
        if (seconds > 0) {
            gauges.set(GRPO_ROLLOUT_TOKENS_PER_SECOND, tags, r.rolloutTokens() / seconds);
        }
        if (r.applied()) {
            DistributionSummary.builder(GRPO_STALENESS.name())
                    .description("Policy updates between sampling and use, mean over a step's groups")
                    .tags(tags)
                    .register(registry)
                    .record(r.meanStaleness());
            gauges.set(GRPO_TRUNCATED_FRACTION, tags, r.truncatedFraction());
            gauges.set(GRPO_REWARD_MEAN, tags, r.meanReward());
            gauges.set(GRPO_ADVANTAGE_STD, tags, r.advantageStd());
            gauges.set(GRPO_KL, tags, r.kl());
            gauges.set(GRPO_CLIP_FRACTION, tags, r.clipFraction());
            gauges.set(GRPO_POLICY_VERSION, tags, r.policyVersion());
        }
    }

    /** One reward's time from its request to its answer. */
    void rewardLatency(String run, Duration latency) {
        Timer.builder(GRPO_REWARD_LATENCY.name())
                .description("From a GRPO reward request to its answer at the trainer")
                .tags(Tags.of("run", run))
                .register(registry)
                .record(latency);
    }

    /** One line or record of the user's tasks refused, {@code reason} = not-json, invalid or duplicate-id. */
    void taskRejected(String run, String reason) {
        registry.counter(GRPO_TASKS_REJECTED.name(), Tags.of("run", run, "reason", reason))
                .increment();
    }

    /** Mean greedy reward on the held-out prompts, {@code when} = before or after the stage. */
    void heldOut(String run, String when, GrpoLoop.HeldOutReward reward) {
        gauges.set(GRPO_HELDOUT_REWARD, Tags.of("run", run, "when", when), reward.mean());
    }
}
