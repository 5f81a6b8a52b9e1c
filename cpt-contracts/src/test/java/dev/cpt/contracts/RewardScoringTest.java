package dev.cpt.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RewardScoringTest {

    @Test
    void theRequestHasTheFieldNamesClientsSend() {
        var request =
                new RewardScoring.Request(List.of(new RewardScoring.Pair("granite is a rock", "granite is rock")));
        assertEquals(
                ServiceRecordsTest.versioned(
                        "{\"pairs\":[{\"completion\":\"granite is a rock\",\"reference\":\"granite is rock\"}]}"),
                Json.write(request));
        assertEquals(request, Json.read(Json.write(request), RewardScoring.Request.class));
    }

    @Test
    void theReplyReadsAsTheServiceWritesIt() {
        var reply = Json.read(
                "{\"rewards\":[0.5,1.0],\"terms\":[{\"semantic\":0.5},{\"semantic\":1.0}]}", RewardScoring.Reply.class);
        assertEquals(List.of(0.5, 1.0), reply.rewards());
        assertEquals(Map.of("semantic", 1.0), reply.terms().get(1));
        assertEquals(reply, Json.read(Json.write(reply), RewardScoring.Reply.class));
    }
}
