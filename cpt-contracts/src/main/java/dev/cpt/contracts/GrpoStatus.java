package dev.cpt.contracts;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A GRPO stage as the trainer's {@code GET /grpo/{id}} shows it (and {@code POST /grpo} answers with 202): its state
 * ({@value #QUEUED}, {@value #RUNNING}, {@value #SUCCEEDED}, {@value #FAILED}), the spec with defaults filled in,
 * progress, the held-out reward before and after (null while unmeasured or when no reward came), totals of what was
 * dropped, the last step's report, the checkpoints it announced, the error if it failed, and how many trainer restarts
 * it was resumed across ({@code resumes}; 0, also when a client's JSON leaves it out, for a stage that ran in one
 * go), and where its examples came from ({@code tasks}; null until they are loaded). Immutable: each change makes a new
 * one.
 */
public record GrpoStatus(
        String id,
        String runId,
        String state,
        GrpoSpec spec,
        long step,
        long policyVersion,
        Double heldOutRewardBefore,
        Double heldOutRewardAfter,
        int heldOutAnsweredBefore,
        int heldOutAnsweredAfter,
        int heldOutPrompts,
        long groupsUsed,
        long zeroStdGroups,
        long staleGroupsDropped,
        long lateRewards,
        GrpoStepReport lastStep,
        List<String> checkpoints,
        String error,
        Instant startedAt,
        Instant finishedAt,
        Integer resumes,
        Tasks tasks) {
    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";

    /**
     * The examples a stage loaded when it started: its source (a demo task's name, the file, or the topic), how many
     * valid examples it held, how many lines or records it refused (each dead-lettered with its reason), and how many
     * the stage trains on and measures on.
     */
    public record Tasks(String source, int loaded, int rejected, int train, int heldOut) {}

    public GrpoStatus {
        checkpoints = checkpoints == null ? List.of() : List.copyOf(checkpoints);
        // a status written before stages could be resumed has no count: it ran in one go
        resumes = resumes == null ? 0 : resumes;
    }

    /** A stage just accepted: {@code heldOutPrompts} from the spec (defaults filled in), nothing done yet. */
    public static GrpoStatus queued(String id, String runId, GrpoSpec spec) {
        return new GrpoStatus(
                id,
                runId,
                QUEUED,
                spec,
                0,
                0,
                null,
                null,
                0,
                0,
                spec.heldOutPrompts(),
                0,
                0,
                0,
                0,
                null,
                List.of(),
                null,
                null,
                null,
                0,
                null);
    }

    public GrpoStatus running() {
        Copy c = new Copy(this);
        c.state = RUNNING;
        c.startedAt = Instant.now();
        return c.build();
    }

    /**
     * The stage picked up again after a trainer restart: running, with everything it had (this status is the one
     * of its last checkpoint, or of its start when it wrote none) and {@code resumes} as given.
     */
    public GrpoStatus resumed(int resumeCount) {
        Copy c = new Copy(this);
        c.state = RUNNING;
        c.error = null;
        c.startedAt = startedAt == null ? Instant.now() : startedAt;
        c.finishedAt = null;
        c.resumes = resumeCount;
        return c.build();
    }

    /** With the examples it loaded; the held-out count becomes the one it measures on. */
    public GrpoStatus withTasks(Tasks loadedTasks) {
        Copy c = new Copy(this);
        c.heldOutPrompts = loadedTasks.heldOut();
        c.tasks = loadedTasks;
        return c.build();
    }

    /** After a step: its step and policy version, its counts added to the totals, it as the last step. */
    public GrpoStatus stepped(GrpoStepReport r) {
        Copy c = new Copy(this);
        c.step = r.step();
        c.policyVersion = r.policyVersion();
        c.groupsUsed += r.groupsUsed();
        c.zeroStdGroups += r.zeroStdGroups();
        c.staleGroupsDropped += r.staleGroupsDropped();
        c.lateRewards += r.lateRewards();
        c.lastStep = r;
        return c.build();
    }

    /** The held-out reward before training: its mean (NaN, written as null, when no reward came) and answers. */
    public GrpoStatus before(double meanReward, int answered) {
        Copy c = new Copy(this);
        c.heldOutRewardBefore = finite(meanReward);
        c.heldOutAnsweredBefore = answered;
        return c.build();
    }

    /** The held-out reward after training, as {@link #before}. */
    public GrpoStatus after(double meanReward, int answered) {
        Copy c = new Copy(this);
        c.heldOutRewardAfter = finite(meanReward);
        c.heldOutAnsweredAfter = answered;
        return c.build();
    }

    /** With one more announced checkpoint, by its URI. */
    public GrpoStatus checkpointed(String uri) {
        List<String> more = new ArrayList<>(checkpoints);
        more.add(uri);
        Copy c = new Copy(this);
        c.checkpoints = more;
        return c.build();
    }

    public GrpoStatus succeeded() {
        return finished(SUCCEEDED, null);
    }

    public GrpoStatus failed(String error) {
        return finished(FAILED, error);
    }

    private GrpoStatus finished(String endState, String failure) {
        Copy c = new Copy(this);
        c.state = endState;
        c.error = failure;
        c.finishedAt = Instant.now();
        return c.build();
    }

    /** JSON has no NaN: a mean of nothing is null. */
    private static Double finite(double x) {
        return Double.isFinite(x) ? x : null;
    }

    /** A status's fields, to change a few and build the next status: each transition names only what it changes. */
    private static final class Copy {
        private final String id;
        private final String runId;
        private String state;
        private final GrpoSpec spec;
        private long step;
        private long policyVersion;
        private Double heldOutRewardBefore;
        private Double heldOutRewardAfter;
        private int heldOutAnsweredBefore;
        private int heldOutAnsweredAfter;
        private int heldOutPrompts;
        private long groupsUsed;
        private long zeroStdGroups;
        private long staleGroupsDropped;
        private long lateRewards;
        private GrpoStepReport lastStep;
        private List<String> checkpoints;
        private String error;
        private Instant startedAt;
        private Instant finishedAt;
        private Integer resumes;
        private Tasks tasks;

        private Copy(GrpoStatus s) {
            id = s.id;
            runId = s.runId;
            state = s.state;
            spec = s.spec;
            step = s.step;
            policyVersion = s.policyVersion;
            heldOutRewardBefore = s.heldOutRewardBefore;
            heldOutRewardAfter = s.heldOutRewardAfter;
            heldOutAnsweredBefore = s.heldOutAnsweredBefore;
            heldOutAnsweredAfter = s.heldOutAnsweredAfter;
            heldOutPrompts = s.heldOutPrompts;
            groupsUsed = s.groupsUsed;
            zeroStdGroups = s.zeroStdGroups;
            staleGroupsDropped = s.staleGroupsDropped;
            lateRewards = s.lateRewards;
            lastStep = s.lastStep;
            checkpoints = s.checkpoints;
            error = s.error;
            startedAt = s.startedAt;
            finishedAt = s.finishedAt;
            resumes = s.resumes;
            tasks = s.tasks;
        }

        private GrpoStatus build() {
            return new GrpoStatus(
                    id,
                    runId,
                    state,
                    spec,
                    step,
                    policyVersion,
                    heldOutRewardBefore,
                    heldOutRewardAfter,
                    heldOutAnsweredBefore,
                    heldOutAnsweredAfter,
                    heldOutPrompts,
                    groupsUsed,
                    zeroStdGroups,
                    staleGroupsDropped,
                    lateRewards,
                    lastStep,
                    checkpoints,
                    error,
                    startedAt,
                    finishedAt,
                    resumes,
                    tasks);
        }
    }
}
