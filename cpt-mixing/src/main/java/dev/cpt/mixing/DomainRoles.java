package dev.cpt.mixing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The roles the domains with data play in a round: the target (the domain that arrived last), the upstream domain (the
 * first, general pre-training data) and the other earlier domains. Only domains with available tokens get a role, so
 * weights built from roles never name a domain without data. A domain that has data but never appeared in the arrival
 * order counts as an earlier domain.
 *
 * @param target the target domain, or null when it has no data now
 * @param upstream the upstream domain, or null when it has no data now or is itself the target
 * @param earlier the other earlier domains with data, in arrival order
 */
public record DomainRoles(String target, String upstream, List<String> earlier) {

    public DomainRoles {
        earlier = List.copyOf(earlier);
    }

    public static DomainRoles of(MixingState state) {
        Set<String> available = state.availableTokens().keySet();
        String target = state.targetDomain();
        String t = target != null && available.contains(target) ? target : null;
        String first =
                state.arrivalOrder().isEmpty() ? null : state.arrivalOrder().get(0);
        String u = first != null && !first.equals(target) && available.contains(first) ? first : null;
        List<String> others = new ArrayList<>();
        for (String d : state.arrivalOrder()) {
            if (available.contains(d) && !d.equals(target) && !d.equals(first)) {
                others.add(d);
            }
        }
        for (String d : new TreeSet<>(available)) {
            if (!state.arrivalOrder().contains(d)) {
                others.add(d);
            }
        }
        return new DomainRoles(t, u, others);
    }

    /** Every domain with data except the target: where replay comes from. */
    public List<String> replayDomains() {
        List<String> r = new ArrayList<>();
        if (upstream != null) {
            r.add(upstream);
        }
        r.addAll(earlier);
        return r;
    }

    /**
     * Spreads a target share and a replay share: the target gets {@code targetShare}, the rest is split evenly over the
     * replay domains. Whatever a missing role would have had goes to the roles that exist.
     */
    public Map<String, Double> targetAndReplay(double targetShare) {
        Map<String, Double> w = new TreeMap<>();
        List<String> replay = replayDomains();
        double t = target == null ? 0 : replay.isEmpty() ? 1 : targetShare;
        if (target != null) {
            w.put(target, t);
        }
        for (String d : replay) {
            w.put(d, (1 - t) / replay.size());
        }
        return w;
    }

    /**
     * Spreads shares of the three slots [target, upstream, earlier pooled]; the pooled share is split evenly over the
     * earlier domains. Shares of empty slots are dropped and the rest rescaled (by the caller's {@link Simplex}).
     */
    public Map<String, Double> fromSlots(double target, double upstream, double earlierPooled) {
        Map<String, Double> w = new TreeMap<>();
        if (this.target != null) {
            w.put(this.target, target);
        }
        if (this.upstream != null) {
            w.put(this.upstream, upstream);
        }
        for (String d : earlier) {
            w.put(d, earlierPooled / earlier.size());
        }
        return w;
    }

    /** Which of the slots [target, upstream, earlier pooled] have at least one domain with data. */
    public boolean[] slotMask() {
        return new boolean[] {target != null, upstream != null, !earlier.isEmpty()};
    }
}
