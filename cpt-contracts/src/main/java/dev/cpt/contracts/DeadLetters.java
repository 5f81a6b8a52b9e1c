package dev.cpt.contracts;

/**
 * Dead-letter topics, one per consuming service. A message that cannot be processed is written there
 * unchanged, with the reason in the {@code dead-letter-reason} header, and the partition moves on.
 */
public final class DeadLetters {
    public static final String INGEST = "cpt.dlq.ingest";
    public static final String MIXER = "cpt.dlq.mixer";
    public static final String TRAINER = "cpt.dlq.trainer";
    public static final String EVAL = "cpt.dlq.eval";
    public static final String REWARD = "cpt.dlq.reward";

    /** Header SmallRye's dead-letter strategy writes the failure message into. */
    public static final String REASON_HEADER = "dead-letter-reason";

    private DeadLetters() {}
}
