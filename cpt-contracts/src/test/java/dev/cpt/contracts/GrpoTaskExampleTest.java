package dev.cpt.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A user's GRPO example as JSON: its field names, and the reason a bad one is refused with. */
class GrpoTaskExampleTest {

    @Test
    void anExampleIsReadAndWrittenUnderItsFieldNames() {
        GrpoTaskExample e = Json.read(
                "{\"id\":\"q1\",\"prompt\":\"What is 2 + 2?\",\"reference\":\"2 plus 2 equals 4.\"}",
                GrpoTaskExample.class);
        assertEquals(new GrpoTaskExample("q1", "What is 2 + 2?", "2 plus 2 equals 4."), e);
        assertEquals(
                "{\"id\":\"q1\",\"prompt\":\"What is 2 + 2?\",\"reference\":\"2 plus 2 equals 4.\",\"schemaVersion\":2}",
                Json.write(e));
        assertEquals("cpt.grpo.tasks", GrpoTaskExample.TOPIC);
    }

    @Test
    void aMissingOrBlankFieldIsRefusedByName() {
        Map<String, String> reasons = Map.of(
                "{\"prompt\":\"p\",\"reference\":\"r\"}", "id is missing or blank",
                "{\"id\":\"q\",\"reference\":\"r\"}", "prompt is missing or blank",
                "{\"id\":\"q\",\"prompt\":\"  \",\"reference\":\"r\"}", "prompt is missing or blank",
                "{\"id\":\"q\",\"prompt\":\"p\"}", "reference is missing or blank");
        reasons.forEach((json, reason) -> {
            var e = assertThrows(MalformedMessageException.class, () -> Json.read(json, GrpoTaskExample.class));
            assertTrue(e.getMessage().contains(reason), json + ": " + e.getMessage());
        });
    }
}
