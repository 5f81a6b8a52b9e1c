package dev.cpt.trainer.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.GrpoSpec;
import dev.cpt.contracts.GrpoTaskExample;
import dev.cpt.contracts.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user's JSONL tasks as the trainer reads them: good lines, each kind of bad line, the template and the split. */
class GrpoTaskLinesTest {
    @TempDir
    Path dir;

    @Test
    void goodLinesAreReadInOrderAndEachBadLineIsRefusedWithItsReason() throws Exception {
        Path file = dir.resolve("tasks.jsonl");
        Files.writeString(file, """
                {"id": "a", "prompt": "What is 2 + 2?", "reference": "2 plus 2 equals 4."}
                {"id": "b", "prompt": "How many cm in 1 m?", "reference": "1 meter is 100 centimeters.", "x": 1}

                this is not JSON
                {"id": "c", "reference": "no prompt"}
                {"id": "d", "prompt": "   ", "reference": "a blank prompt"}
                {"id": "a", "prompt": "What is 3 + 3?", "reference": "3 plus 3 equals 6."}
                """);

        TaskLines lines = TaskLines.ofFile(file);

        assertEquals(
                List.of(
                        new GrpoTaskExample("a", "What is 2 + 2?", "2 plus 2 equals 4."),
                        new GrpoTaskExample("b", "How many cm in 1 m?", "1 meter is 100 centimeters.")),
                lines.examples(),
                "unknown fields are ignored, the blank line is skipped");
        List<TaskLines.Rejected> rejected = lines.rejected();
        assertEquals(
                List.of(TaskLines.NOT_JSON, TaskLines.INVALID, TaskLines.INVALID, TaskLines.DUPLICATE_ID),
                rejected.stream().map(TaskLines.Rejected::kind).toList());
        assertTrue(
                rejected.get(0).reason().startsWith("line 4 of " + file + ": not a valid GrpoTaskExample"),
                rejected.get(0).reason());
        assertTrue(
                rejected.get(1).reason().startsWith("line 5 of "),
                rejected.get(1).reason());
        assertTrue(
                rejected.get(1).reason().contains("prompt is missing or blank"),
                rejected.get(1).reason());
        assertTrue(
                rejected.get(2).reason().contains("prompt is missing or blank"),
                rejected.get(2).reason());
        assertTrue(
                rejected.get(3).reason().endsWith("line 7 of " + file + ": id 'a' was given before"),
                rejected.get(3).reason());
        assertEquals("this is not JSON", rejected.get(0).line(), "the line goes to the dead-letter topic as it was");
    }

    @Test
    void theTemplatePutsThePromptWhereThePlaceholderIs() {
        GrpoTaskExample e = new GrpoTaskExample("a", "What is 2 + 2?", "2 plus 2 equals 4.");
        assertEquals(
                "Q: What is 2 + 2?\nA:",
                TaskExample.of(e, GrpoSpec.DEFAULT_PROMPT_TEMPLATE).prompt());
        assertEquals(
                "Question: What is 2 + 2?\nAnswer:",
                TaskExample.of(e, "Question: {prompt}\nAnswer:").prompt());
        assertEquals(
                new TaskExample("What is 2 + 2?", "2 plus 2 equals 4."),
                TaskExample.of(e, GrpoSpec.DEFAULT_PROMPT_TEMPLATE),
                "the demo's format is the default template");
        assertThrows(IllegalArgumentException.class, () -> TaskExample.of(e, "Q: no placeholder"));
    }

    @Test
    void theHeldOutSplitIsFixedByTheIdAndDisjoint() {
        List<GrpoTaskExample> examples = DemoTasks.examples("mixed", 200, 5);
        HeldOutSplit split = new HeldOutSplit(20);

        HeldOutSplit.Split a = split.split(examples, 1000, 1000, GrpoSpec.DEFAULT_PROMPT_TEMPLATE);
        List<GrpoTaskExample> reversed = new ArrayList<>(examples);
        Collections.reverse(reversed);
        HeldOutSplit.Split b = split.split(reversed, 1000, 1000, GrpoSpec.DEFAULT_PROMPT_TEMPLATE);
        assertEquals(Set.copyOf(a.heldOut()), Set.copyOf(b.heldOut()), "the side depends on the id, not the order");
        Set<TaskExample> train = new HashSet<>(a.train());
        assertTrue(a.heldOut().stream().noneMatch(train::contains), "disjoint");
        assertEquals(200, a.train().size() + a.heldOut().size());
        assertTrue(
                a.heldOut().size() > 20 && a.heldOut().size() < 60,
                "about 20%: " + a.heldOut().size());
        Set<String> heldOutIds = examples.stream()
                .map(GrpoTaskExample::id)
                .filter(split::heldOut)
                .collect(Collectors.toSet());
        assertEquals(a.heldOut().size(), heldOutIds.size());

        HeldOutSplit.Split capped = split.split(examples, 5, 3, GrpoSpec.DEFAULT_PROMPT_TEMPLATE);
        assertEquals(a.train().subList(0, 5), capped.train(), "caps take the first in source order");
        assertEquals(a.heldOut().subList(0, 3), capped.heldOut());
        assertThrows(IllegalArgumentException.class, () -> new HeldOutSplit(0));
        assertThrows(IllegalArgumentException.class, () -> new HeldOutSplit(100));
    }

    @Test
    void theDemoTasksAreTheSameRecordsAsAUsersFile() throws Exception {
        List<GrpoTaskExample> demo = DemoTasks.examples("arithmetic", 12, 3);
        Path file = dir.resolve("arithmetic.jsonl");
        Files.write(file, demo.stream().map(Json::write).toList());

        assertEquals(demo, TaskLines.ofFile(file).examples());
        assertEquals(
                DemoTasks.generate("arithmetic", 12, 3).get(4).question(),
                demo.get(4).prompt());
        assertEquals("arithmetic-3-4", demo.get(4).id());
    }

    @Test
    void aSourceWithoutBothSidesCannotRunAStage() throws Exception {
        Path file = dir.resolve("one.jsonl");
        Files.writeString(file, "{\"id\": \"only\", \"prompt\": \"p\", \"reference\": \"r\"}\nnot json\n");
        GrpoSpec spec = Json.MAPPER
                .convertValue(Map.of("tasksFile", file.toString()), GrpoSpec.class)
                .withDefaults();

        StageTasks tasks = StageTasks.users(file.toString(), TaskLines.ofFile(file), spec);
        var e = assertThrows(IllegalStateException.class, tasks::requireBothSides);
        assertTrue(e.getMessage().contains("1 valid examples (1 refused, see cpt.dlq.trainer)"), e.getMessage());
        assertEquals(1, tasks.counts().loaded());
        assertEquals(1, tasks.counts().rejected());
    }

    @Test
    void theDemoStagesSeeTheirExamplesAsBefore() throws Exception {
        GrpoSpec spec = Json.read(
                        "{\"task\": \"units\", \"prompts\": 6, \"heldOutPrompts\": 3, \"seed\": 4}", GrpoSpec.class)
                .withDefaults();
        StageTasks tasks = StageTasks.load(spec, null);
        DemoTasks.Split before = DemoTasks.split("units", 6, 3, 4);
        assertEquals(before.train(), tasks.train());
        assertEquals(before.heldOut(), tasks.heldOut());
        assertEquals(new dev.cpt.contracts.GrpoStatus.Tasks("units", 9, 0, 6, 3), tasks.counts());
    }
}
