package dev.cpt.mixing.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.cpt.mixing.agent.Features;
import dev.cpt.mixing.agent.PolicyNet;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.model.engine.NativeArrays;
import dev.cpt.model.engine.OfflineEngine;
import dev.cpt.model.train.AdamW;
import java.util.List;
import java.util.Map;

/** Minimises the {@link WeightedLikelihood} with full-batch AdamW (cpt-model's) on DJL's PyTorch engine. */
final class PolicyFit {
    private final TrainingSettings settings;
    private final WeightedLikelihood objective;

    PolicyFit(TrainingSettings settings, WeightedLikelihood objective) {
        this.settings = settings;
        this.objective = objective;
    }

    /** {@code settings.epochs()} full-batch steps from {@code start}. */
    AgentTrainer.Result fit(PolicyNet start, Samples samples) {
        Engine engine = OfflineEngine.get();
        int n = samples.size();
        int k = Features.SLOTS;
        float[] z = new float[n * k];
        for (int r = 0; r < n; r++) {
            for (int s = 0; s < k; s++) {
                z[r * k + s] = (float) samples.actions()[r][s];
            }
        }
        // no gradient clipping (max norm 0): the rescale passed to every update is 1
        OptimizerSettings adam =
                new OptimizerSettings(settings.learningRate(), settings.weightDecay(), 0.9, 0.999, 1e-8, 0);
        try (NDManager manager = engine.newBaseManager()) {
            NDArray xs = NativeArrays.create(
                    manager, DjlPolicy.standardised(start, samples.features()), new Shape(n, Features.SIZE));
            NDArray zs = NativeArrays.create(manager, z, new Shape(n, k));
            NDArray cs = NativeArrays.create(manager, objective.coefficients(samples), new Shape(n, k));
            Map<String, NDArray> weights = DjlPolicy.weights(manager, start);
            List<NDArray> params = List.copyOf(weights.values());
            params.forEach(p -> p.setRequiresGradient(true));
            double before = Double.NaN;
            try (AdamW optimizer = AdamW.overArrays(weights, manager)) {
                for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
                    try (NDManager step = manager.newSubManager()) {
                        double loss = lossAndGradients(engine, step, params, xs, zs, cs);
                        if (epoch == 1) {
                            before = loss;
                        }
                        optimizer.update(adam, 1.0);
                        optimizer.zeroGradients();
                    }
                }
            }
            PolicyNet trained = DjlPolicy.withWeights(start, params);
            return new AgentTrainer.Result(trained, before, objective.of(trained, samples), n);
        }
    }

    /** The objective's value; its gradients accumulate on the parameters. */
    private static double lossAndGradients(
            Engine engine, NDManager step, List<NDArray> params, NDArray xs, NDArray zs, NDArray cs) {
        try (GradientCollector collector = engine.newGradientCollector()) {
            NDArray mu = DjlPolicy.mean(params, xs);
            NDArray diff = zs.sub(mu);
            NDArray loss = diff.mul(diff).mul(cs).sum();
            collector.backward(loss);
            double value = loss.getFloat();
            loss.attach(step);
            mu.attach(step);
            diff.attach(step);
            return value;
        }
    }
}
