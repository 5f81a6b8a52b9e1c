package dev.cpt.mixing.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cpt.contracts.Json;
import dev.cpt.mixing.AgentPolicy;
import dev.cpt.mixing.Simplex;
import dev.cpt.mixing.StaticPolicy;
import dev.cpt.mixing.agent.AgentArtifact;
import dev.cpt.mixing.agent.Features;
import dev.cpt.mixing.agent.Nets;
import dev.cpt.mixing.training.AgentTrainer;
import dev.cpt.mixing.training.Samples;
import dev.cpt.mixing.training.TrainingSettings;
import dev.cpt.mixing.training.Trajectory;
import dev.cpt.mixing.training.TrajectoryFiles;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Smoke-sized proxy runs: a few training steps of a tiny model, enough to check what the agent's data looks like. */
class ProxyRunTest {
    private static final List<String> SCENARIO = List.of("general", "arithmetic", "units");

    @Test
    void randomWalkRunWritesTrajectoriesWithTheAgentsSchema(@TempDir Path dir) throws Exception {
        ProxyConfig config = ProxyConfig.smoke();
        Trajectory t = new ProxyRun(config, SCENARIO, 1, 11)
                .run(
                        "walk-11",
                        s -> new RandomWalkPolicy(
                                s, 1.5, 0.8, 3, ProxyConfig.smoke().rounds()));
        assertEquals(config.rounds() * 2, t.steps().size());
        for (Trajectory.Step s : t.steps()) {
            assertEquals(Features.SIZE, s.features().length);
            assertNotNull(s.logits(), "the walk's action is logged");
            assertTrue(Simplex.isOnSimplex(s.weights(), Set.copyOf(SCENARIO)));
            assertTrue(Double.isFinite(s.slotLossBefore()[0]) && Double.isFinite(s.slotLossAfter()[1]));
            // the logged shares are the softmax of the logged logits over the slots with data
            assertArrayEquals(Features.slotShares(s.logits(), s.mask(), 0), s.slotShares(), 1e-9);
        }
        assertArrayEquals(new boolean[] {true, true, false}, t.steps().get(0).mask());
        assertArrayEquals(
                new boolean[] {true, true, true},
                t.steps().get(t.steps().size() - 1).mask());
        assertEquals(Set.copyOf(SCENARIO), t.outcome().finalLoss().keySet());
        assertTrue(t.outcome().generalBefore() > 0);

        Path file = dir.resolve("t.jsonl");
        try (BufferedWriter w = Files.newBufferedWriter(file)) {
            TrajectoryFiles.append(w, t);
            TrajectoryFiles.append(w, t);
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size());
        JsonNode line = Json.MAPPER.readTree(lines.get(0));
        for (String field : List.of("id", "scenario", "seed", "policy", "horizonTokens", "steps", "outcome")) {
            assertTrue(line.has(field), "trajectory field " + field);
        }
        JsonNode step = line.get("steps").get(0);
        for (String field : List.of(
                "phase",
                "round",
                "features",
                "mask",
                "logits",
                "slotShares",
                "slotLossBefore",
                "slotLossAfter",
                "slotStartLoss",
                "weights")) {
            assertTrue(step.has(field), "step field " + field);
        }
        List<Trajectory> back = TrajectoryFiles.read(TrajectoryFiles.files(dir));
        assertEquals(2, back.size());
        assertArrayEquals(
                t.steps().get(0).features(), back.get(0).steps().get(0).features(), 0);
        assertTrue(Double.isNaN(back.get(0).steps().get(0).slotLossBefore()[2]), "a missing slot stays NaN");
        // the trainer reads what the collector wrote
        Samples samples = new AgentTrainer(TrainingSettings.defaults()).samples(back);
        assertEquals(2 * t.steps().size(), samples.size());
    }

    @Test
    void sameSeedSameRunAndReplayShapesForgetting() {
        ProxyConfig config = ProxyConfig.smoke();
        Trajectory a = new ProxyRun(config, SCENARIO, 1, 3).run("a", s -> StaticPolicy.replay(0.5));
        Trajectory b = new ProxyRun(config, SCENARIO, 1, 3).run("b", s -> StaticPolicy.replay(0.5));
        assertEquals(
                a.outcome().finalLoss().get("units"), b.outcome().finalLoss().get("units"), 1e-4);
        assertEquals(a.steps().get(1).weights(), b.steps().get(1).weights());
    }

    @Test
    void explorationAroundAnAgentWithoutNoiseActsAsTheAgent() {
        ProxyConfig config = ProxyConfig.smoke();
        AgentArtifact agent = Nets.artifact(Nets.random(21));
        Trajectory around = new ProxyRun(config, SCENARIO, 1, 5)
                .run("around", s -> new AroundAgentPolicy(agent, s, 0, config.phaseTokens()));
        Trajectory plain =
                new ProxyRun(config, SCENARIO, 1, 5).run("agent", s -> new AgentPolicy(agent, config.phaseTokens()));
        for (int i = 0; i < around.steps().size(); i++) {
            Trajectory.Step a = around.steps().get(i);
            assertNotNull(a.logits());
            assertArrayEquals(plain.steps().get(i).slotShares(), a.slotShares(), 1e-6);
            assertArrayEquals(agent.net().logits(a.features()), a.logits(), 1e-9);
        }
    }

    @Test
    void rejectsScenariosItCannotRun() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new ProxyRun(ProxyConfig.smoke(), List.of("arithmetic", "units"), 1, 1));
        assertThrows(
                IllegalArgumentException.class,
                () -> new ProxyRun(ProxyConfig.smoke(), List.of("general", "poetry"), 1, 1));
    }

    @Test
    void domainsAreDeterministicAndDistinct() {
        for (String d : Domains.ALL) {
            assertEquals(Domains.document(d, new Random(4)), Domains.document(d, new Random(4)));
            assertFalse(Domains.document(d, new Random(4)).isBlank());
        }
        assertFalse(Domains.document("code", new Random(1)).equals(Domains.document("weather", new Random(1))));
    }
}
