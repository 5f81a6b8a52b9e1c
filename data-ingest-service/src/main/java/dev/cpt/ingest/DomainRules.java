package dev.cpt.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Every document carries a domain. In order: the domain the source gave; the first configured rule whose regular
 * expression is found in the origin's name (a watched file's relative path, or the client's {@code source}); for a
 * watched file, the name of its first directory under the inbox ({@code inbox/law/a.txt} is {@code law}); the
 * default domain. Domains are Kafka keys and metric tags, so they are short names: letters, digits, {@code . _ -}.
 */
public final class DomainRules {
    private static final Pattern VALID = dev.cpt.contracts.RawDocument.DOMAIN;

    private record Rule(Pattern pattern, String domain) {}

    private final String defaultDomain;
    private final List<Rule> rules = new ArrayList<>();

    /** @param rules entries {@code REGEX=DOMAIN} (split at the last {@code =}) */
    public DomainRules(String defaultDomain, List<String> rules) {
        this.defaultDomain = requireValid(defaultDomain, "the default domain");
        for (String r : rules) {
            int eq = r.lastIndexOf('=');
            if (eq <= 0 || eq == r.length() - 1) {
                throw new IllegalArgumentException("a domain rule reads REGEX=DOMAIN, not: " + r);
            }
            try {
                this.rules.add(new Rule(
                        Pattern.compile(r.substring(0, eq)),
                        requireValid(r.substring(eq + 1).trim(), "rule " + r)));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(
                        "domain rule " + r + " has an invalid regular expression: " + e.getMessage(), e);
            }
        }
    }

    public String assign(String given, Origin origin) {
        if (given != null && !given.isBlank()) {
            String domain = given.trim();
            if (!VALID.matcher(domain).matches()) {
                throw new RejectedDocumentException(
                        RejectedDocumentException.MALFORMED,
                        "domain '" + abbreviate(domain) + "' is not 1 to 64 letters, digits, '.', '_' or '-'");
            }
            return domain;
        }
        for (Rule rule : rules) {
            if (rule.pattern().matcher(origin.name()).find()) {
                return rule.domain();
            }
        }
        if (origin.kind().equals(Origin.FILE)) {
            int slash = origin.name().indexOf('/');
            if (slash > 0 && VALID.matcher(origin.name().substring(0, slash)).matches()) {
                return origin.name().substring(0, slash);
            }
        }
        return defaultDomain;
    }

    private static String requireValid(String domain, String what) {
        if (domain == null || !VALID.matcher(domain).matches()) {
            throw new IllegalArgumentException(what + " must be 1 to 64 letters, digits, '.', '_' or '-': " + domain);
        }
        return domain;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
