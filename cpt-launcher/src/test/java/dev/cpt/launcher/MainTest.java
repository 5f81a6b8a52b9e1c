package dev.cpt.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.model.ModelPreset;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The {@code cpt} command line: each wrong option ends in one line naming it, with the valid values, and exit status
 * 2, before anything starts (none of these runs a command's body).
 */
class MainTest {

    /** What one invocation printed and returned. */
    record Run(int status, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    static Run cpt(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int status = cli.execute(args);
        return new Run(status, out.toString(), err.toString());
    }

    static void refused(Run run, String... expected) {
        assertEquals(2, run.status(), run.err());
        assertEquals(2, run.errLines().size(), "one line and the pointer to --help: " + run.err());
        for (String e : expected) {
            assertTrue(run.errLines().get(0).contains(e), "'" + e + "' missing from: " + run.err());
        }
        assertTrue(!run.err().contains("Exception") && !run.err().contains("\tat "), "no stack trace: " + run.err());
    }

    @Test
    void aNegativeDocumentCountIsRefused() {
        refused(cpt("demo", "--documents", "-5"), "--documents must be at least 1, was -5");
        refused(cpt("demo", "--documents", "many"), "--documents", "many");
    }

    @Test
    void anUnknownPolicyIsRefusedWithTheValidOnes() {
        refused(cpt("demo", "--policy", "nosuch"), "nosuch", "static, uniform, temperature, odm, cmr, agent");
    }

    @Test
    void aBenchmarkShapeOrAnUnknownNameIsNotADemoModel() {
        for (String name : new String[] {"smolLm2Shape135M", "nosuch"}) {
            refused(cpt("demo", "--model", name), name, "llamaDemo3M, llamaDemo10M");
        }
        assertEquals(ModelPreset.llamaDemo3M, Main.demoModel("llamaDemo3M"));
    }

    @Test
    void anUnknownDeviceIsRefusedWithTheValidOnes() {
        refused(cpt("up", "--device", "tpu"), "--device", "tpu", "auto, cpu, gpu");
    }

    @Test
    void anUnknownCommandOrOptionIsRefused() {
        refused(cpt("nosuch"), "nosuch");
        refused(cpt("up", "--documents", "3"), "--documents");
    }

    @Test
    void benchRefusesAWrongOptionInOneLineBeforeReadingAnyText(@TempDir Path dir) {
        String general = "--general=" + dir.resolve("none");
        for (String[] args : new String[][] {
            {"bench", general, "--policies", "static,nosuch"},
            {"bench", general, "--budget", "sometimes"},
            {"bench", general, "--rounds", "-3"},
            {"bench", general, "--static", "0.2,1.5"},
            {"bench", general, "--model", "gpt5"}
        }) {
            Run run = cpt(args);
            assertEquals(2, run.status(), run.err());
            assertEquals(1, run.errLines().size(), run.err());
            assertTrue(!run.err().contains("Exception") && !run.err().contains("does not exist"), run.err());
        }
        assertTrue(cpt("bench", general, "--policies", "static,nosuch").err().contains("uniform, temperature, odm"));
        Run missing = cpt("bench", general);
        assertEquals(2, missing.status(), missing.err());
        assertTrue(missing.err().contains("does not exist"), missing.err());
    }

    @Test
    void everyCommandDescribesItsOptionsWithTheirDefaults() {
        Run top = cpt("--help");
        assertEquals(0, top.status());
        for (String command : new String[] {"demo", "up", "ingest", "status", "report", "bench", "export"}) {
            assertTrue(top.out().contains(command), top.out());
        }
        Run demo = cpt("demo", "--help");
        assertEquals(0, demo.status());
        for (String option :
                new String[] {"--data-dir", "--cache-dir", "--repo", "--documents", "--policy", "--model", "--device"
                }) {
            assertTrue(demo.out().contains(option), option + " missing from: " + demo.out());
        }
        assertTrue(demo.out().contains("Default: .cpt-cache"), demo.out());
        assertTrue(demo.out().contains("auto, cpu, gpu"), demo.out());
    }

    @Test
    void aPortInUseIsNamedBeforeAnythingStarts() throws Exception {
        try (ServerSocket held = new ServerSocket(0)) {
            StackOptions options = new StackOptions(
                    Path.of("."),
                    Path.of(".cpt"),
                    held.getLocalPort(),
                    java.util.Map.of(),
                    java.util.Map.of(),
                    null,
                    java.util.Map.of());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FreePorts.require(options));
            assertEquals(
                    "ports in use: " + held.getLocalPort()
                            + " (Kafka); stop what holds them (another cpt up or demo?) and try again",
                    e.getMessage());
        }
    }
}
