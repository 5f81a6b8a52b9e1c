package dev.cpt.e2e;

import static dev.cpt.e2e.DeployFiles.asList;
import static dev.cpt.e2e.DeployFiles.asMap;
import static dev.cpt.e2e.DeployFiles.listOrEmpty;
import static dev.cpt.e2e.DeployFiles.map;
import static dev.cpt.e2e.DeployFiles.mapOrEmpty;
import static dev.cpt.e2e.DeployFiles.repoRoot;
import static dev.cpt.e2e.DeployFiles.str;
import static dev.cpt.e2e.DeployFiles.yamlDocuments;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The Kubernetes manifests the deployment tests check: those quarkus-kubernetes generates into each service's
 * target/kubernetes/ at package, and the hand-written resources of deploy/kubernetes/.
 */
final class DeployKubernetes {

    static final String GENERATED = "target/kubernetes/kubernetes.yml";

    private DeployKubernetes() {}

    static Path dir() {
        return repoRoot().resolve("deploy/kubernetes");
    }

    static Map<String, Object> kustomization() {
        return DeployFiles.yaml(dir().resolve("kustomization.yml"));
    }

    /** The documents of one file of deploy/kubernetes/. */
    static List<Map<String, Object>> handWritten(String file) {
        return yamlDocuments(dir().resolve(file));
    }

    /** What quarkus-kubernetes generated for a service module (it must have been packaged). */
    static List<Map<String, Object>> generated(String module) {
        return yamlDocuments(repoRoot().resolve(module).resolve(GENERATED));
    }

    static Properties applicationProperties(String module) {
        return DeployFiles.properties(repoRoot().resolve(module).resolve("src/main/resources/application.properties"));
    }

    static List<Map<String, Object>> ofKind(List<Map<String, Object>> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(str(d.get("kind")))).toList();
    }

    /** The single resource of a kind in a list of documents. */
    static Map<String, Object> only(List<Map<String, Object>> docs, String kind, String where) {
        List<Map<String, Object>> found = ofKind(docs, kind);
        assertEquals(1, found.size(), where + ": expected exactly one " + kind);
        return found.get(0);
    }

    static String name(Map<String, Object> resource) {
        return str(map(resource, "metadata", str(resource.get("kind"))).get("name"));
    }

    static Map<String, Object> spec(Map<String, Object> resource) {
        return map(resource, "spec", name(resource));
    }

    static Map<String, Object> podTemplate(Map<String, Object> deployment) {
        return map(spec(deployment), "template", name(deployment));
    }

    static Map<String, Object> podSpec(Map<String, Object> deployment) {
        return map(podTemplate(deployment), "spec", name(deployment) + ".template");
    }

    /** The one container of a service's Deployment. */
    static Map<String, Object> container(Map<String, Object> deployment) {
        List<Object> containers = asList(podSpec(deployment).get("containers"), name(deployment) + " containers");
        assertEquals(1, containers.size(), name(deployment) + ": one container expected");
        return asMap(containers.get(0), name(deployment) + " container");
    }

    /** A container's literal environment variables (those from a ConfigMap or field reference map to null). */
    static Map<String, String> env(Map<String, Object> container) {
        return byName(container, "env", "value");
    }

    /** A container's mount paths by volume name. */
    static Map<String, String> mountPaths(Map<String, Object> container) {
        return byName(container, "volumeMounts", "mountPath");
    }

    /** The {@code field} of each entry of a container's list {@code list}, by the entry's name. */
    private static Map<String, String> byName(Map<String, Object> container, String list, String field) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Object e : listOrEmpty(container, list, "container")) {
            Map<String, Object> entry = asMap(e, list + "[]");
            out.put(str(entry.get("name")), str(entry.get(field)));
        }
        return out;
    }

    /** A pod's volumes by name. */
    static Map<String, Map<String, Object>> volumes(Map<String, Object> deployment) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (Object v : listOrEmpty(podSpec(deployment), "volumes", name(deployment))) {
            Map<String, Object> volume = asMap(v, "volumes[]");
            out.put(str(volume.get("name")), volume);
        }
        return out;
    }

    /** The claim a pod volume mounts, or null for any other kind of volume. */
    static String claimName(Map<String, Object> volume) {
        return str(mapOrEmpty(volume, "persistentVolumeClaim", "volume").get("claimName"));
    }
}
