package dev.cpt.service;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ApiKeysTest {
    @Test
    void onlyTheExactKeyMatches() {
        assertTrue(ApiKeys.matches("s3cret-ü", "s3cret-ü"));
        assertFalse(ApiKeys.matches("s3cret", "s3cret "));
        assertFalse(ApiKeys.matches("s3cret", "S3CRET"));
        assertFalse(ApiKeys.matches("s3cret", ""));
        assertFalse(ApiKeys.matches("s3cret", null));
    }
}
