package dev.cpt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.model.tokenizer.ByteTokenizer;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Generation on a model trained briefly to continue the cycle "abcdefgh". */
class GenerationTest {

    private static LanguageModel model;
    private static final ByteTokenizer BYTES = ByteTokenizer.INSTANCE;

    @BeforeAll
    static void train() {
        model = LanguageModel.create(new GptConfig(256, 32, 2, 2, 32), 17);
        String cycle = "abcdefgh".repeat(10);
        int[] stream = BYTES.encode(cycle);
        Random rng = new Random(3);
        OptimizerSettings s = OptimizerSettings.defaults().withLearningRate(1e-2);
        double loss = Double.NaN;
        for (int step = 0; step < 120; step++) {
            loss = model.trainStep(TestData.windows(stream, 8, 25, rng), s).loss();
            if (loss < 0.02) {
                break;
            }
        }
        assertTrue(loss < 0.1, "the cycle was not learned: loss " + loss);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void greedyContinuesTheLearnedPattern() {
        int[] out = model.generate(BYTES.encode("abc"), SamplingSettings.greedy(10), new Random(0));
        assertEquals("defghabcde", BYTES.decode(out));
    }

    @Test
    void respectsMaxNewTokens() {
        for (int max : new int[] {0, 1, 7}) {
            int[] out =
                    model.generate(BYTES.encode("ab"), new SamplingSettings(1.0, 0, 1.0, max, Set.of()), new Random(1));
            assertEquals(max, out.length);
        }
    }

    @Test
    void stopsAtAStopTokenWithoutReturningIt() {
        SamplingSettings s = SamplingSettings.greedy(50).withStopTokens(Set.of((int) 'g'));
        int[] out = model.generate(BYTES.encode("abc"), s, new Random(0));
        assertEquals("def", BYTES.decode(out));
        // the stop token as the very first sample yields nothing
        int[] none = model.generate(BYTES.encode("abcdef"), s, new Random(0));
        assertEquals(0, none.length);
    }

    @Test
    void cropsPromptsLongerThanTheContext() {
        int ctx = model.config().contextLength();
        int[] longPrompt = BYTES.encode("abcdefgh".repeat(8) + "abc"); // 67 tokens > 32
        assertTrue(longPrompt.length > ctx);
        int[] fromLong = model.generate(longPrompt, SamplingSettings.greedy(40), new Random(0));
        int[] cropped = Arrays.copyOfRange(longPrompt, longPrompt.length - ctx, longPrompt.length);
        int[] fromCropped = model.generate(cropped, SamplingSettings.greedy(40), new Random(0));
        assertArrayEquals(fromCropped, fromLong);
        assertEquals(40, fromLong.length);
        assertEquals("defghabc", BYTES.decode(Arrays.copyOf(fromLong, 8)));
    }

    @Test
    void samplingIsReproducibleAndTopKOneIsGreedy() {
        SamplingSettings hot = new SamplingSettings(1.5, 0, 1.0, 20, Set.of());
        int[] a = model.generate(BYTES.encode("ab"), hot, new Random(42));
        int[] b = model.generate(BYTES.encode("ab"), hot, new Random(42));
        assertArrayEquals(a, b);
        SamplingSettings topOne = new SamplingSettings(5.0, 1, 1.0, 10, Set.of());
        assertEquals("cdefghabcd", BYTES.decode(model.generate(BYTES.encode("ab"), topOne, new Random(7))));
        SamplingSettings tinyNucleus = new SamplingSettings(1.0, 0, 1e-6, 10, Set.of());
        assertEquals("cdefghabcd", BYTES.decode(model.generate(BYTES.encode("ab"), tinyNucleus, new Random(7))));
    }

    @Test
    void rejectsEmptyPrompt() {
        assertThrows(
                IllegalArgumentException.class,
                () -> model.generate(new int[0], SamplingSettings.greedy(1), new Random()));
    }
}
