package dev.cpt.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.RawDocument;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The shipped corpora load from the launcher's class path, carry their license, and the demo plan splits them. */
class ShippedCorpusTest {

    private static String resource(String name) throws IOException {
        try (InputStream in = ShippedCorpus.class.getClassLoader().getResourceAsStream(name)) {
            assertNotNull(in, name + " is not on the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void everyCorpusHasDocumentsOfItsDomainAndItsLicense() throws IOException {
        for (ShippedCorpus corpus : ShippedCorpus.ALL) {
            List<RawDocument> docs = corpus.documents();
            assertTrue(docs.size() >= 300, corpus + ": " + docs.size() + " documents");
            Set<String> ids = new HashSet<>();
            for (RawDocument d : docs) {
                assertEquals(corpus.domain(), d.domain());
                assertTrue(ids.add(d.id()), "duplicate id " + d.id());
                // ingest's quality rules want at least 50 words
                assertTrue(d.text().split("\\s+").length >= 50, d.id());
            }
            String notice = resource("corpus/" + corpus.name() + "/NOTICE");
            assertTrue(notice.contains("License:") && notice.contains("Debian package"), notice);
            assertTrue(resource("corpus/" + corpus.name() + "/LICENSE").length() > 1000);
        }
    }

    @Test
    void thePlanStreamsTheFirstDocumentsAndPretrainsOnTheOtherGeneralOnes() {
        Demo.Plan plan = Demo.Plan.standard(40);
        assertEquals(
                List.of("general", "python", "postgresql", "arithmetic"),
                plan.phases().stream().map(p -> p.corpus().domain()).toList());
        // The generated last phase asks questions in the form the GRPO stage asks them, each with its answer.
        plan.phases()
                .get(3)
                .documents()
                .forEach(d -> assertTrue(
                        d.text()
                                .matches(
                                        "(?s)What is \\d+ [-+*] \\d+\\? \\d+ (plus|minus|times) \\d+ equals \\d+\\..*"),
                        d.text()));
        plan.phases().forEach(p -> assertEquals(40, p.documents().size()));
        List<RawDocument> general = ShippedCorpus.GENERAL.documents();
        assertEquals(general.size() - 40, plan.pretrainingTexts().size());
        Set<String> streamed = new HashSet<>();
        plan.phases().get(0).documents().forEach(d -> streamed.add(d.text()));
        assertTrue(
                plan.pretrainingTexts().stream().noneMatch(streamed::contains),
                "stage 0 must not see the general documents the demo streams (their held-out part measures forgetting)");
    }
}
