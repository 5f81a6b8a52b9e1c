package dev.cpt.trainer;

import dev.cpt.service.GaugeValues;
import dev.cpt.trainer.grpo.GrpoLoop;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;

/** What every GRPO step did, tagged with the GRPO run: reward, advantage spread, KL, clipping, dropped rollouts. */
@ApplicationScoped
public class GrpoMetrics {
    private final MeterRegistry registry;
    private final GaugeValues gauges;

    GrpoMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.gauges = new GaugeValues(registry);
    }

    void step(String run, GrpoLoop.StepReport r) {
        Tags tags = Tags.of("run", run);
        registry.counter("cpt.grpo.steps", tags.and("applied", Boolean.toString(r.applied())))
                .increment();
        registry.counter("cpt.grpo.stale.groups", tags).increment(r.staleGroupsDropped());
        registry.counter("cpt.grpo.late.rewards", tags).increment(r.lateRewards());
        registry.counter("cpt.grpo.zero.std.groups", tags).increment(r.zeroStdGroups());
        registry.counter("cpt.grpo.groups.used", tags).increment(r.groupsUsed());
        if (r.applied()) {
            gauges.set("cpt.grpo.reward.mean", tags, r.meanReward());
            gauges.set("cpt.grpo.advantage.std", tags, r.advantageStd());
            gauges.set("cpt.grpo.kl", tags, r.kl());
            gauges.set("cpt.grpo.clip.fraction", tags, r.clipFraction());
            gauges.set("cpt.grpo.policy.version", tags, r.policyVersion());
        }
    }

    /** Mean greedy reward on the held-out prompts, {@code when} = before or after the stage. */
    void heldOut(String run, String when, GrpoLoop.HeldOutReward reward) {
        gauges.set("cpt.grpo.heldout.reward", Tags.of("run", run, "when", when), reward.mean());
    }
}
