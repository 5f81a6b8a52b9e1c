package dev.cpt.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class DomainRulesTest {
    private final DomainRules rules = new DomainRules("general", List.of("(?i)contracts?/=law", "\\.md$=docs"));

    @Test
    void theSourcesDomainComesFirst() {
        assertEquals("chemistry", rules.assign(" chemistry ", Origin.file("contracts/a.txt")));
    }

    @Test
    void thenTheFirstMatchingRule() {
        assertEquals("law", rules.assign(null, Origin.file("2026/Contracts/a.md")));
        assertEquals("docs", rules.assign("", Origin.file("notes/a.md")));
        assertEquals("law", rules.assign(null, new Origin(Origin.HTTP, "contract/feed")));
    }

    @Test
    void thenAWatchedFilesFirstDirectoryThenTheDefault() {
        assertEquals("biology", rules.assign(null, Origin.file("biology/cells.txt")));
        assertEquals("general", rules.assign(null, Origin.file("loose.txt")));
        assertEquals("general", rules.assign(null, Origin.http()));
    }

    @Test
    void aDomainThatCannotBeAKeyOrTagIsRefused() {
        var e = assertThrows(RejectedDocumentException.class, () -> rules.assign("two words", Origin.http()));
        assertEquals("malformed", e.reason());
        assertThrows(IllegalArgumentException.class, () -> new DomainRules("general", List.of("no-equals-sign")));
        assertThrows(IllegalArgumentException.class, () -> new DomainRules("general", List.of("([=law")));
    }
}
