package dev.cpt.service;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/** HTTP access control shared by every service (env {@code CPT_SECURITY_API_KEY}). */
@ConfigMapping(prefix = "cpt.security")
public interface SecurityConfig {
    /**
     * When set, every REST endpoint of the service (not {@code /q/health}, {@code /q/metrics}) needs this key, in the
     * {@code X-API-Key} header or as {@code Authorization: Bearer <key>}; otherwise it answers 401. Unset: open, as
     * on a developer's machine or behind a gateway that authenticates.
     */
    Optional<String> apiKey();
}
