package dev.cpt.mixing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The CMR / D-CPT policy: fits {@link CmrLaw} online from eval feedback since the target arrived and gives the target
 * the critical mixture ratio, the largest share that keeps the upstream (general) loss increase at the horizon (the
 * phase's length: given, or estimated from the stream by {@link PhaseTracker#expectedTokens}) within {@code tolerance}
 * (relative to the upstream loss when the phase began). The rest is replay, spread evenly
 * over the earlier domains. Until the law can be fitted it probes a fixed sequence of ratios, because a fit needs
 * points at different ratios.
 */
public final class CmrPolicy implements MixingPolicy {
    private final double tolerance;
    private final double horizonTokens;
    private final double minRatio;
    private final double maxRatio;
    private final List<Double> probes;
    private final PhaseTracker phase = new PhaseTracker();
    private CmrLaw law;

    /** @param horizonTokens the phase length in tokens; {@code <= 0}: estimated from the stream */
    public CmrPolicy(double tolerance, double horizonTokens, double minRatio, double maxRatio, List<Double> probes) {
        if (!(tolerance > 0) || Double.isNaN(horizonTokens)) {
            throw new IllegalArgumentException("cmr tolerance must be > 0 and horizonTokens a number");
        }
        if (!(minRatio >= 0 && minRatio <= maxRatio && maxRatio <= 1)) {
            throw new IllegalArgumentException("cmr needs 0 <= minRatio <= maxRatio <= 1");
        }
        if (probes.isEmpty() || probes.stream().anyMatch(p -> !(p >= 0 && p <= 1))) {
            throw new IllegalArgumentException("cmr probes must be ratios in [0, 1]");
        }
        this.tolerance = tolerance;
        this.horizonTokens = horizonTokens;
        this.minRatio = minRatio;
        this.maxRatio = maxRatio;
        this.probes = List.copyOf(probes);
    }

    @Override
    public String name() {
        return "cmr";
    }

    @Override
    public Map<String, Double> weights(MixingState state) {
        phase.update(state);
        DomainRoles roles = DomainRoles.of(state);
        double ratio = targetRatio(state, roles);
        return Simplex.restrict(
                roles.targetAndReplay(ratio), state.availableTokens().keySet());
    }

    /** The law fitted at the last call, if any (for tests and logs). */
    public Optional<CmrLaw> law() {
        return Optional.ofNullable(law);
    }

    private double targetRatio(MixingState state, DomainRoles roles) {
        law = null;
        String upstream =
                state.arrivalOrder().isEmpty() ? null : state.arrivalOrder().get(0);
        String target = phase.target();
        List<EvalFeedback> sincePhase = phase.sinceStart(state.feedback());
        Optional<Double> start = upstream == null || upstream.equals(target)
                ? Optional.empty()
                : phase.startLoss(state.feedback(), upstream);
        if (start.isEmpty()) {
            return maxRatio; // nothing to forget yet: the upstream domain is the target or has no score
        }
        List<CmrLaw.Point> points = new ArrayList<>();
        for (EvalFeedback f : sincePhase) {
            Double loss = f.heldoutLoss().get(upstream);
            long tokens = phase.tokensSinceStart(f);
            if (loss != null && tokens > 0) {
                double ratio = (double) phase.tokensSinceStart(f, target) / tokens;
                points.add(new CmrLaw.Point(tokens, ratio, loss - start.get()));
            }
        }
        law = CmrLaw.fit(points).orElse(null);
        if (law == null) {
            return probes.get(Math.min(sincePhase.size(), probes.size() - 1));
        }
        double horizon = horizonTokens > 0 ? horizonTokens : phase.expectedTokens(state);
        if (!(horizon > 0)) {
            return maxRatio;
        }
        return law.criticalRatio(tolerance * start.get(), horizon, minRatio, maxRatio);
    }
}
