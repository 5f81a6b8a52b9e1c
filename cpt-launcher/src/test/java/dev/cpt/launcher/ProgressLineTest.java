package dev.cpt.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProgressLineTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void onATerminalOneLineIsRewrittenInPlace() {
        ProgressLine line = new ProgressLine(out, true, Duration.ofSeconds(15));
        line.update("train python", 1_000, "python 3.100", Duration.ofSeconds(95));
        line.update("train python", 2_000, "python 3.000", Duration.ofSeconds(80));
        assertEquals(2, printed().chars().filter(c -> c == '\r').count());
        assertFalse(printed().contains("\n"), "no new line while the line is updated");
        line.message("done");
        assertTrue(printed().endsWith("\ndone\n"), printed());
    }

    @Test
    void inALogAStageChangeGetsALineAndRepeatsWaitForTheInterval() {
        ProgressLine line = new ProgressLine(out, false, Duration.ofHours(1));
        line.update("train general", 1_000, null, null);
        line.update("train general", 2_000, null, null); // within the interval: not printed
        line.update("train python", 3_000, "python 3.000", Duration.ofSeconds(61));
        String[] lines = printed().split("\n");
        assertEquals(2, lines.length, printed());
        assertFalse(printed().contains("\r"));
        assertTrue(
                lines[1].contains("train python")
                        && lines[1].contains("3,000")
                        && lines[1].contains("python 3.000")
                        && lines[1].endsWith("ETA 1:01"),
                lines[1]);
    }

    @Test
    void formatShowsStageTokensLossAndEta() {
        String s =
                ProgressLine.format(Duration.ofSeconds(125), "stage 0: pre-train base", 123_456, "train 2.500", null);
        assertTrue(s.startsWith("[2:05] stage 0: pre-train base"), s);
        assertTrue(s.contains("tokens     123,456") && s.contains("loss train 2.500") && s.endsWith("ETA -"), s);
    }
}
