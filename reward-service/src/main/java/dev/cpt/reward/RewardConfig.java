package dev.cpt.reward;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "cpt.reward")
public interface RewardConfig {
    /** Longest completion or reference scored, in characters; longer input is refused, not truncated silently. */
    @WithDefault("8192")
    int maxTextChars();

    /** Most pairs one {@code POST /score} call may carry. */
    @WithDefault("256")
    int maxBatchSize();
}
