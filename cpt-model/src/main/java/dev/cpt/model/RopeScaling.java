package dev.cpt.model;

/**
 * How a Llama-family model stretches its rotary position embeddings beyond the context it was pre-trained on
 * ({@code rope_scaling} in {@code config.json}). Each variant rescales the default inverse frequencies exactly as
 * Hugging Face's {@code modeling_rope_utils} does; all of them leave the attention scaling at 1.
 */
public sealed interface RopeScaling {

    /** The {@code rope_type} values this project reads; {@code default} means no scaling. */
    String SUPPORTED = "default, linear, llama3";

    /** Hugging Face's {@code rope_type} of this variant. */
    String type();

    /** The scaled copy of {@code inverseFrequencies} (theta^(-2i/d), i = 0..d/2-1). */
    double[] rescale(double[] inverseFrequencies);

    /** {@code rope_scaling: null}: the frequencies as they are. */
    record None() implements RopeScaling {
        @Override
        public String type() {
            return "default";
        }

        @Override
        public double[] rescale(double[] inverseFrequencies) {
            return inverseFrequencies.clone();
        }
    }

    /** Position interpolation: every frequency divided by {@code factor} ({@code _compute_linear_scaling_rope_parameters}). */
    record Linear(double factor) implements RopeScaling {
        public Linear {
            requirePositive("linear rope_scaling factor", factor);
        }

        @Override
        public String type() {
            return "linear";
        }

        @Override
        public double[] rescale(double[] inverseFrequencies) {
            double[] out = new double[inverseFrequencies.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = inverseFrequencies[i] / factor;
            }
            return out;
        }
    }

    /**
     * Llama 3.1's scheme ({@code _compute_llama3_parameters}): wavelengths shorter than {@code original / high} keep
     * their frequency, those longer than {@code original / low} are divided by {@code factor}, and the band between
     * blends the two linearly in {@code original / wavelength}.
     */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings)
            implements RopeScaling {
        public Llama3 {
            requirePositive("llama3 rope_scaling factor", factor);
            requirePositive("llama3 rope_scaling low_freq_factor", lowFreqFactor);
            requirePositive("llama3 rope_scaling original_max_position_embeddings", originalMaxPositionEmbeddings);
            if (!(highFreqFactor > lowFreqFactor)) {
                throw new IllegalArgumentException("llama3 rope_scaling high_freq_factor " + highFreqFactor
                        + " must exceed low_freq_factor " + lowFreqFactor);
            }
        }

        @Override
        public String type() {
            return "llama3";
        }

        @Override
        public double[] rescale(double[] inverseFrequencies) {
            double lowFreqWavelength = originalMaxPositionEmbeddings / lowFreqFactor;
            double highFreqWavelength = originalMaxPositionEmbeddings / highFreqFactor;
            double[] out = new double[inverseFrequencies.length];
            for (int i = 0; i < out.length; i++) {
                double f = inverseFrequencies[i];
                double wavelength = 2 * Math.PI / f;
                if (wavelength < highFreqWavelength) {
                    out[i] = f;
                } else if (wavelength > lowFreqWavelength) {
                    out[i] = f / factor;
                } else {
                    double smooth = (originalMaxPositionEmbeddings / wavelength - lowFreqFactor)
                            / (highFreqFactor - lowFreqFactor);
                    out[i] = (1 - smooth) * f / factor + smooth * f;
                }
            }
            return out;
        }
    }

    private static void requirePositive(String what, double value) {
        if (!(value > 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(what + " must be positive and finite, got " + value);
        }
    }
}
