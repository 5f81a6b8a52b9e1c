package dev.cpt.mixer;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "cpt.mixer")
public interface MixerConfig {
    /** Model context length: each packed sequence holds up to this many inputs plus one target. */
    @WithDefault("128")
    int contextLength();

    /** Sequences per training batch. */
    @WithDefault("8")
    int batchSize();

    /** When no full batch has formed for this long, what is buffered is emitted as a smaller batch. */
    @WithDefault("5s")
    Duration flushAfter();
}
