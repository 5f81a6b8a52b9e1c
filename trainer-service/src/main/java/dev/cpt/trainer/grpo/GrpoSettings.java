package dev.cpt.trainer.grpo;

import dev.cpt.model.OptimizerSettings;
import dev.cpt.model.PolicyObjective;
import java.time.Duration;

/**
 * How one GRPO loop samples, scores and updates.
 *
 * @param groupSize G, completions sampled per prompt
 * @param promptsPerStep prompts (groups) sampled per step
 * @param innerSteps optimizer steps on the same rollouts (PPO epochs); the ratio is 1 only on the first
 * @param objective clip epsilon and KL beta
 * @param optimizer AdamW settings, learning rate included, of every policy step
 * @param temperature sampling temperature, > 0; every log-probability of the objective (old, new, reference) is taken at
 *     it, so pi_old is the distribution sampled from
 * @param maxNewTokens longest completion; capped per prompt to what fits the context
 * @param rewardTimeout how long a step waits for the rewards of the rollouts it sampled
 * @param maxStalenessSteps how many policy updates old a rollout may be when its rewards complete and it is used;
 *     0: only in the step that sampled it
 * @param seed sampling and prompt order
 */
public record GrpoSettings(
        int groupSize,
        int promptsPerStep,
        int innerSteps,
        PolicyObjective objective,
        OptimizerSettings optimizer,
        double temperature,
        int maxNewTokens,
        Duration rewardTimeout,
        int maxStalenessSteps,
        long seed) {}
