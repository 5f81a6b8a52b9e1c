package dev.cpt.e2e;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A deliberately small plausibility check for PromQL in dashboards and alert rules: not a parser,
 * but enough to catch the usual breakage of hand-edited queries (an unbalanced bracket, a dangling
 * operator, a misspelt metric, a Grafana variable where a metric should be).
 */
final class DeployPromQl {

    private DeployPromQl() {}

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern GRAFANA_VARIABLE = Pattern.compile("\\$\\{[^}]*}|\\$\\w+");
    private static final Pattern LABEL_MATCHERS = Pattern.compile("\\{[^{}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^\\[\\]]*]");
    private static final Pattern GROUPING =
            Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^()]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.:$])[A-Za-z_:][\\w:]*");
    private static final Set<String> KEYWORDS = Set.of(
            "and",
            "or",
            "unless",
            "bool",
            "offset",
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "inf",
            "nan");

    /** Why the expression is implausible, or empty if it looks fine. */
    static Optional<String> problem(String expr) {
        if (expr == null || expr.isBlank()) {
            return Optional.of("blank expression");
        }
        Optional<String> brackets = unbalanced(expr);
        if (brackets.isPresent()) {
            return brackets;
        }
        String trimmed = expr.strip();
        char last = trimmed.charAt(trimmed.length() - 1);
        if ("+-*/%^=<>!,~(".indexOf(last) >= 0) {
            return Optional.of("ends with the operator '" + last + "'");
        }
        if (metricNames(expr).isEmpty()) {
            return Optional.of("names no metric");
        }
        return Optional.empty();
    }

    /** Every metric name the expression selects (identifiers that are neither functions, keywords nor labels). */
    static Set<String> metricNames(String expr) {
        String s = STRING.matcher(expr).replaceAll(" \"\" ");
        s = GRAFANA_VARIABLE.matcher(s).replaceAll(" ");
        s = LABEL_MATCHERS.matcher(s).replaceAll(" ");
        s = RANGE.matcher(s).replaceAll(" ");
        s = GROUPING.matcher(s).replaceAll(" ");
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            String id = m.group();
            int next = m.end();
            while (next < s.length() && Character.isWhitespace(s.charAt(next))) {
                next++;
            }
            boolean isCall = next < s.length() && s.charAt(next) == '(';
            if (!isCall && !KEYWORDS.contains(id.toLowerCase())) {
                names.add(id);
            }
        }
        return names;
    }

    /** A label matcher of a selector, such as {@code topic=~"cpt[._]batches"}. */
    record LabelMatcher(String label, String operator, String value) {
        /** Whether this matcher selects a series whose label has {@code labelValue}. */
        boolean selects(String labelValue) {
            // PromQL strings escape backslashes; its regex matchers are fully anchored, like String.matches.
            String v = value.replace("\\\\", "\\");
            return switch (operator) {
                case "=" -> v.equals(labelValue);
                case "!=" -> !v.equals(labelValue);
                case "=~" -> labelValue.matches(v);
                case "!~" -> !labelValue.matches(v);
                default -> false;
            };
        }
    }

    /** The first matcher on {@code label} in the expression. */
    static Optional<LabelMatcher> labelMatcher(String expr, String label) {
        Matcher m = Pattern.compile(
                        "(?<![\\w])" + Pattern.quote(label) + "\\s*(=~|!~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")
                .matcher(expr);
        return m.find() ? Optional.of(new LabelMatcher(label, m.group(1), m.group(2))) : Optional.empty();
    }

    private static Optional<String> unbalanced(String expr) {
        Deque<Character> open = new ArrayDeque<>();
        Character quote = null;
        for (int i = 0; i < expr.length(); i++) {
            char c = expr.charAt(i);
            if (quote != null) {
                if (c == '\\' && quote != '`') {
                    i++;
                } else if (c == quote) {
                    quote = null;
                }
                continue;
            }
            switch (c) {
                case '"', '\'', '`' -> quote = c;
                case '(', '{', '[' -> open.push(c);
                case ')', '}', ']' -> {
                    char expected = c == ')' ? '(' : c == '}' ? '{' : '[';
                    if (open.isEmpty() || open.pop() != expected) {
                        return Optional.of("unbalanced '" + c + "' at offset " + i);
                    }
                }
                default -> {}
            }
        }
        if (quote != null) {
            return Optional.of("unterminated string");
        }
        return open.isEmpty() ? Optional.empty() : Optional.of("unclosed '" + open.peek() + "'");
    }
}
