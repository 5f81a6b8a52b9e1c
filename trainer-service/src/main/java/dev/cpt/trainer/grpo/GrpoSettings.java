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
 * @param overlap whether each step samples the next step's rollouts before its own update and sends their reward
 *     requests, so the rewards are computed while it trains; those rollouts are then one update old when used, which
 *     needs {@code maxStalenessSteps >= 1}
 * @param importanceCap C of the truncated importance weight {@code min(pi_old / mu, C)} on the tokens of rollouts
 *     sampled by an older policy mu, >= 1
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
        boolean overlap,
        double importanceCap,
        long seed) {}
