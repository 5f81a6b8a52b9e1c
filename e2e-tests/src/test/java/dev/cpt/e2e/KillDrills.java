package dev.cpt.e2e;

import dev.cpt.launcher.StackOptions;

/** Stack settings for the tests that SIGKILL a service and start it again. */
final class KillDrills {
    /**
     * A killed service's consumer stays in its group until the coordinator has heard no heartbeat for
     * {@code session.timeout.ms} (45 s by default): until then its partitions go to nobody, and the restarted service
     * sits idle with the test waiting on it. 10 s (the broker's minimum is 6 s) still leaves a live consumer three
     * heartbeats (one every 3 s) to get through on the two cores the stack shares.
     */
    static final String SESSION_TIMEOUT_MS = "10000";

    private KillDrills() {}

    /** Every consumer of the stack gives up a killed member's partitions after {@link #SESSION_TIMEOUT_MS}. */
    static StackOptions quickFailover(StackOptions options) {
        return options.withKafkaClient("session.timeout.ms", SESSION_TIMEOUT_MS);
    }
}
