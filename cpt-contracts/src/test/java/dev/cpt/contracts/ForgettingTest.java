package dev.cpt.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ForgettingTest {
    @Test
    void latestAgainstTheBestAndTheBasePerDomain() {
        Forgetting f = Forgetting.of(List.of(
                Map.of("general", 2.0, "python", 3.0),
                Map.of("general", 1.5, "python", 3.2, "sql", 2.0),
                Map.of("general", 1.8, "python", 2.9, "sql", 2.5)));

        assertEquals(0.3, f.vsBest().get("general"), 1e-12);
        assertEquals(0.0, f.vsBest().get("python"), 1e-12);
        assertEquals(0.5, f.vsBest().get("sql"), 1e-12);
        assertEquals(-0.2, f.vsBase().get("general"), 1e-12);
        assertEquals(-0.1, f.vsBase().get("python"), 1e-12);
        // the base never saw sql: no change against it
        assertEquals(
                Map.of("general", -0.2, "python", -0.1).keySet(), f.vsBase().keySet());
    }
}
