package dev.cpt.e2e;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reading the deployment files for the {@code Deploy*Test} classes: the repository root, YAML
 * documents, and the few shapes compose allows for the same setting (map or list environment,
 * short or long volume syntax, exec or shell healthcheck).
 *
 * <p>YAML is read with SnakeYAML rather than Jackson's YAML mapper because docker-compose.yml uses
 * anchors and merge keys ({@code <<: *service}); SnakeYAML resolves both the way compose does,
 * Jackson's tree model does not. Duplicate keys are rejected, as compose rejects them.
 */
final class DeployFiles {

    private DeployFiles() {}

    /** The directory holding both pom.xml and docker-compose.yml, found upwards from the working directory. */
    static Path repoRoot() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath().normalize();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("pom.xml")) && Files.isRegularFile(d.resolve("docker-compose.yml"))) {
                return d;
            }
        }
        return fail("no directory with both pom.xml and docker-compose.yml above " + dir);
    }

    /** Loads one YAML document as plain maps and lists; fails the test (with the file name) if it does not parse. */
    static Map<String, Object> yaml(Path file) {
        assertTrue(Files.isRegularFile(file), "missing file " + file);
        try (Reader in = Files.newBufferedReader(file)) {
            Object doc = yaml().load(in);
            assertNotNull(doc, file + " is empty");
            assertTrue(doc instanceof Map, file + " must be a YAML mapping at the top level");
            return asMap(doc, file.toString());
        } catch (IOException e) {
            return fail("cannot read " + file, e);
        } catch (RuntimeException e) {
            return fail(file + " does not parse as YAML: " + e.getMessage(), e);
        }
    }

    /** Loads every document of a multi-document YAML file (Kubernetes manifests), skipping empty ones. */
    static List<Map<String, Object>> yamlDocuments(Path file) {
        assertTrue(Files.isRegularFile(file), "missing file " + file);
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(file)) {
            for (Object doc : yaml().loadAll(in)) {
                if (doc != null) {
                    docs.add(asMap(doc, file + " (a document)"));
                }
            }
        } catch (IOException e) {
            return fail("cannot read " + file, e);
        } catch (RuntimeException e) {
            return fail(file + " does not parse as YAML: " + e.getMessage(), e);
        }
        assertFalse(docs.isEmpty(), file + " holds no YAML document");
        return docs;
    }

    private static Yaml yaml() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        return new Yaml(new SafeConstructor(options));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> asMap(Object o, String what) {
        assertTrue(o instanceof Map, what + " must be a mapping, was " + o);
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> asList(Object o, String what) {
        assertTrue(o instanceof List, what + " must be a list, was " + o);
        return (List<Object>) o;
    }

    static Map<String, Object> map(Map<String, Object> parent, String key, String what) {
        return asMap(parent.get(key), what + "." + key);
    }

    static Map<String, Object> mapOrEmpty(Map<String, Object> parent, String key, String what) {
        Object o = parent.get(key);
        return o == null ? Map.of() : asMap(o, what + "." + key);
    }

    static List<Object> listOrEmpty(Map<String, Object> parent, String key, String what) {
        Object o = parent.get(key);
        return o == null ? List.of() : asList(o, what + "." + key);
    }

    static String str(Object o) {
        return o == null ? null : String.valueOf(o);
    }

    /** A service's environment, whether written as a mapping or as a list of KEY=VALUE. */
    static Map<String, String> environment(Map<String, Object> service, String name) {
        Object env = service.get("environment");
        Map<String, String> out = new LinkedHashMap<>();
        if (env == null) {
            return out;
        }
        if (env instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
        } else {
            for (Object item : asList(env, name + ".environment")) {
                String s = String.valueOf(item);
                int eq = s.indexOf('=');
                out.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? null : s.substring(eq + 1));
            }
        }
        return out;
    }

    /** One mount of a service: source (a volume name or a host path), target inside the container. */
    record Mount(String source, String target) {
        boolean isNamedVolume() {
            return source != null
                    && !source.isEmpty()
                    && !source.startsWith(".")
                    && !source.startsWith("/")
                    && !source.startsWith("~")
                    && !source.startsWith("$");
        }
    }

    static List<Mount> mounts(Map<String, Object> service, String name) {
        List<Mount> out = new ArrayList<>();
        for (Object v : listOrEmpty(service, "volumes", name)) {
            if (v instanceof Map<?, ?>) {
                Map<String, Object> m = asMap(v, name + ".volumes[]");
                out.add(new Mount(str(m.get("source")), str(m.get("target"))));
            } else {
                String[] parts = String.valueOf(v).split(":");
                assertTrue(parts.length >= 2, name + ": anonymous or malformed volume " + v);
                out.add(new Mount(parts[0], parts[1]));
            }
        }
        return out;
    }

    static Optional<Mount> mountAt(Map<String, Object> service, String name, String target) {
        return mounts(service, name).stream()
                .filter(m -> target.equals(m.target()))
                .findFirst();
    }

    /** The container-side ports a service publishes. */
    static List<Integer> containerPorts(Map<String, Object> service, String name) {
        List<Integer> out = new ArrayList<>();
        for (Object p : listOrEmpty(service, "ports", name)) {
            if (p instanceof Map<?, ?>) {
                out.add(Integer.valueOf(str(asMap(p, name + ".ports[]").get("target"))));
            } else {
                String s = String.valueOf(p).replaceAll("/(tcp|udp)$", "");
                out.add(Integer.valueOf(s.substring(s.lastIndexOf(':') + 1)));
            }
        }
        return out;
    }

    /** A healthcheck's test as one line, whatever form (string, CMD list, CMD-SHELL list) it takes. */
    static String healthcheckCommand(Map<String, Object> service, String name) {
        Map<String, Object> hc = map(service, "healthcheck", name);
        Object test = hc.get("test");
        assertNotNull(test, name + ": healthcheck without test");
        if (test instanceof List<?> l) {
            List<String> words = new ArrayList<>();
            l.forEach(w -> words.add(String.valueOf(w)));
            if (!words.isEmpty() && (words.get(0).equals("CMD") || words.get(0).equals("CMD-SHELL"))) {
                words.remove(0);
            }
            return String.join(" ", words);
        }
        return String.valueOf(test);
    }

    /** A command or entrypoint (string or list) as text. */
    static String commandText(Object command) {
        if (command == null) {
            return "";
        }
        if (command instanceof List<?> l) {
            List<String> words = new ArrayList<>();
            l.forEach(w -> words.add(String.valueOf(w)));
            return String.join("\n", words);
        }
        return String.valueOf(command);
    }

    /** Where a file inside a container comes from on the host, through a service's bind mounts. */
    static Optional<Path> hostPathOf(Path root, Map<String, Object> service, String name, String containerPath) {
        Mount best = null;
        for (Mount m : mounts(service, name)) {
            if (m.isNamedVolume() || m.target() == null) {
                continue;
            }
            boolean covers = containerPath.equals(m.target()) || containerPath.startsWith(m.target() + "/");
            if (covers && (best == null || m.target().length() > best.target().length())) {
                best = m;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        String rest = containerPath.substring(best.target().length());
        Path host = root.resolve(best.source()).normalize();
        return Optional.of(
                rest.isEmpty() ? host : host.resolve(rest.substring(1)).normalize());
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return fail("cannot read " + file, e);
        }
    }

    static Properties properties(Path file) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException e) {
            fail("cannot read " + file, e);
        }
        return p;
    }

    /** The non-blank, stripped items of a comma-separated value, in order; none for null. */
    static Set<String> csv(String value) {
        Set<String> out = new LinkedHashSet<>();
        if (value != null) {
            for (String part : value.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.strip());
                }
            }
        }
        return out;
    }

    /** A map that keeps the order its keys and values are given in, alternately. */
    @SuppressWarnings("unchecked")
    static <K, V> Map<K, V> orderedMap(Object... keysAndValues) {
        Map<K, V> out = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            out.put((K) keysAndValues[i], (V) keysAndValues[i + 1]);
        }
        return out;
    }
}
