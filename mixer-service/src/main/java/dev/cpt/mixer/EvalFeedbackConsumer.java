package dev.cpt.mixer;

import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.MalformedMessageException;
import dev.cpt.mixing.EvalFeedback;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * {@code cpt.eval.reports} feeds {@value #EVAL_REPORTS_IN}: the held-out losses of each scored checkpoint reach the
 * mixing policy ({@code observe}). Error reports carry no feedback; reports of another run than
 * {@code cpt.mixer.feedback-run} (when set) are skipped. Unreadable reports go to {@code cpt.dlq.mixer}.
 */
@ApplicationScoped
public class EvalFeedbackConsumer {
    public static final String EVAL_REPORTS_IN = "mixer-eval-reports-in";

    private final MixingRounds rounds;
    private final MixerConfig config;

    EvalFeedbackConsumer(MixingRounds rounds, MixerConfig config) {
        this.rounds = rounds;
        this.config = config;
    }

    @Incoming(EVAL_REPORTS_IN)
    @Blocking
    public CompletionStage<Void> onReport(Message<String> message) {
        EvalReport report;
        try {
            report = Json.read(message.getPayload(), EvalReport.class);
        } catch (MalformedMessageException e) {
            return message.nack(e);
        }
        if (config.feedbackRun().map(run -> run.equals(report.runId())).orElse(true)) {
            EvalFeedback.from(report).ifPresent(rounds::observe);
        }
        return message.ack();
    }
}
