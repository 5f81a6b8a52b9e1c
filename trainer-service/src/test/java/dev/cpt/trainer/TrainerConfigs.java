package dev.cpt.trainer;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;

/** The trainer's configuration as the service reads it, outside Quarkus: its defaults with {@code settings} on top. */
public final class TrainerConfigs {
    private TrainerConfigs() {}

    public static TrainerConfig read(Map<String, String> settings) {
        return new SmallRyeConfigBuilder()
                .withMapping(TrainerConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter()) // "10s", as Quarkus reads it
                .withDefaultValues(settings)
                .build()
                .getConfigMapping(TrainerConfig.class);
    }
}
