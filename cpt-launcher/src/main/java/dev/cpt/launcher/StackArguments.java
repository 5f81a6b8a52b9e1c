package dev.cpt.launcher;

import dev.cpt.model.engine.ComputeDevice;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options {@code cpt demo} and {@code cpt up} share: where the stack keeps its files, and the model's device. */
final class StackArguments {

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            defaultValue = ".cpt",
            description = "Broker log, checkpoints, mixer state and one log per service (cleared by every demo)."
                    + " Default: ${DEFAULT-VALUE}")
    Path dataDir;

    @Option(
            names = "--repo",
            paramLabel = "DIR",
            defaultValue = "${env:CPT_HOME:-.}",
            description = "The project's checkout, whose modules' target/quarkus-app the services run from."
                    + " Default: ${DEFAULT-VALUE} (./cpt sets CPT_HOME to its own directory)")
    Path repo;

    @Option(
            names = "--device",
            paramLabel = "DEVICE",
            defaultValue = "auto",
            description =
                    "Where stage 0, the trainer, eval and the reward service run their models: ${COMPLETION-CANDIDATES}"
                            + " (gpu without a CUDA device is refused). Default: ${DEFAULT-VALUE}")
    ComputeDevice device;

    /** The embedded stack's settings for these options; its ports checked free first, so a clash is found now. */
    StackOptions stackOptions() {
        StackOptions options = StackOptions.defaults(repo.toAbsolutePath().normalize(), dataDir.toAbsolutePath())
                .withDevice(device);
        FreePorts.require(options);
        return options;
    }
}
