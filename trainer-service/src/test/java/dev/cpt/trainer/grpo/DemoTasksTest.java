package dev.cpt.trainer.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DemoTasksTest {

    @Test
    void arithmeticReferencesStateTheRightResult() {
        Pattern q = Pattern.compile("What is (\\d+) ([-+*]) (\\d+)\\?");
        Pattern r = Pattern.compile("(\\d+) (plus|minus|times) (\\d+) equals (-?\\d+)\\.");
        for (TaskExample e : DemoTasks.generate("arithmetic", 100, 7)) {
            Matcher mq = q.matcher(e.question());
            Matcher mr = r.matcher(e.reference());
            assertTrue(mq.matches() && mr.matches(), e.toString());
            int a = Integer.parseInt(mq.group(1));
            int b = Integer.parseInt(mq.group(3));
            int expected = switch (mq.group(2)) {
                case "+" -> a + b;
                case "-" -> a - b;
                default -> a * b;
            };
            assertEquals(expected, Integer.parseInt(mr.group(4)), e.toString());
            assertTrue(expected >= 0, "no negative results: " + e);
        }
    }

    @Test
    void unitConversionsMultiplyByTheFactor() {
        for (TaskExample e : DemoTasks.generate("units", 40, 3)) {
            Matcher m = Pattern.compile("(\\d+) (\\w+) is (\\d+) (\\w+)\\.").matcher(e.reference());
            assertTrue(m.matches(), e.reference());
            int n = Integer.parseInt(m.group(1));
            int converted = Integer.parseInt(m.group(3));
            assertEquals(0, converted % n, e.reference());
            assertTrue(List.of(24, 60, 100, 1000).contains(converted / n), e.reference());
        }
    }

    @Test
    void theSplitIsDisjointAndFixedByTheSeed() {
        DemoTasks.Split a = DemoTasks.split("mixed", 50, 10, 42);
        DemoTasks.Split b = DemoTasks.split("mixed", 50, 10, 42);
        assertEquals(a, b);
        Set<TaskExample> train = new HashSet<>(a.train());
        assertEquals(50, train.size());
        assertTrue(a.heldOut().stream().noneMatch(train::contains));
        assertTrue(
                a.train().stream().anyMatch(e -> e.question().startsWith("How many"))
                        && a.train().stream().anyMatch(e -> e.question().startsWith("What is")),
                "mixed has both kinds");
    }

    @Test
    void aDocumentIsThePromptFollowedByTheReferenceAndANewline() {
        TaskExample e = new TaskExample("What is 17 + 25?", "17 plus 25 equals 42.");
        assertEquals("Q: What is 17 + 25?\nA:", e.prompt());
        assertEquals("Q: What is 17 + 25?\nA: 17 plus 25 equals 42.\n", e.document());
        assertThrows(IllegalArgumentException.class, () -> DemoTasks.generate("poetry", 1, 1));
    }
}
