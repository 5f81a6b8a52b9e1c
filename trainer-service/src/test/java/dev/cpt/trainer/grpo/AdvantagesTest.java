package dev.cpt.trainer.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AdvantagesTest {

    @Test
    void aGroupIsCentredOnItsMeanAndScaledByItsStandardDeviation() {
        // mean 0.5, population std 0.5
        Advantages.Group g = Advantages.of(new double[] {0, 1, 0, 1});
        assertArrayEquals(new double[] {-1, 1, -1, 1}, g.advantages(), 1e-12);
        assertEquals(0.5, g.mean(), 1e-12);
        assertEquals(0.5, g.std(), 1e-12);
        assertFalse(g.zeroStd());
    }

    @Test
    void anUnevenGroupByHand() {
        // rewards 0.2, 0.4, 0.9: mean 0.5, variance (0.09 + 0.01 + 0.16) / 3
        double std = Math.sqrt(0.26 / 3);
        Advantages.Group g = Advantages.of(new double[] {0.2, 0.4, 0.9});
        assertArrayEquals(new double[] {-0.3 / std, -0.1 / std, 0.4 / std}, g.advantages(), 1e-9);
        assertEquals(0, g.advantages()[0] + g.advantages()[1] + g.advantages()[2], 1e-9);
    }

    @Test
    void anAllEqualGroupHasZeroAdvantagesAndIsFlagged() {
        Advantages.Group g = Advantages.of(new double[] {0.7, 0.7, 0.7, 0.7});
        assertArrayEquals(new double[] {0, 0, 0, 0}, g.advantages(), 0.0);
        assertTrue(g.zeroStd());
        assertEquals(0, g.std(), 0.0);
    }

    @Test
    void aGroupOfOneHasNoRelativeSignal() {
        assertTrue(Advantages.of(new double[] {0.3}).zeroStd());
    }

    @Test
    void badRewardsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Advantages.of(new double[0]));
        assertThrows(IllegalArgumentException.class, () -> Advantages.of(new double[] {0.1, Double.NaN}));
    }
}
