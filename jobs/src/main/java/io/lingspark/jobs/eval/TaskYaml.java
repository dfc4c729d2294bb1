package io.lingspark.jobs.eval;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a task YAML into plain maps, as lm-eval's load_yaml_config does: {@code include} (a file or
 * a list, relative to the including file) is read first and the including file's keys override it.
 * lm-eval's {@code !function module.name} tag (Python code) is kept as a {@link PythonFunction}
 * marker, so the key that holds it can be named in the error instead of a YAML parse failure.
 */
final class TaskYaml {
    /** A {@code !function} value: Python code LingSpark cannot run. */
    record PythonFunction(String name) {
    }

    private static final int MAX_INCLUDE_DEPTH = 8;

    private TaskYaml() {
    }

    static Map<String, Object> load(Path file) {
        return load(file.toAbsolutePath().normalize(), 0);
    }

    private static Map<String, Object> load(Path file, int depth) {
        if (depth > MAX_INCLUDE_DEPTH) {
            throw new TaskConfigException(file + ": includes nest deeper than " + MAX_INCLUDE_DEPTH + " files (a cycle?)");
        }
        Object root;
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = yaml().load(in);
        } catch (NoSuchFileException e) {
            throw new TaskConfigException(file + ": task file not found", e);
        } catch (IOException e) {
            throw new TaskConfigException(file + ": cannot read: " + e.getMessage(), e);
        } catch (YAMLException e) {
            throw new TaskConfigException(file + ": not valid YAML: " + e.getMessage(), e);
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new TaskConfigException(file + ": a task file is a YAML mapping of keys (task, dataset_path, ...), got "
                + (root == null ? "an empty file" : root.getClass().getSimpleName()));
        }
        Map<String, Object> own = new LinkedHashMap<>();
        map.forEach((k, v) -> own.put(String.valueOf(k), v));
        Object include = own.remove("include");
        if (include == null) {
            return own;
        }
        List<Object> includes = include instanceof List<?> l ? new ArrayList<>(l) : List.of(include);
        Map<String, Object> merged = new LinkedHashMap<>();
        for (Object inc : includes) {
            if (!(inc instanceof String name)) {
                throw new TaskConfigException(file + ": include must be a file name or a list of them, got " + inc);
            }
            merged.putAll(load(file.resolveSibling(name).normalize(), depth + 1));
        }
        merged.putAll(own);
        return merged;
    }

    private static Yaml yaml() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(50);
        return new Yaml(new TaskConstructor(options));
    }

    private static final class TaskConstructor extends SafeConstructor {
        TaskConstructor(LoaderOptions options) {
            super(options);
            yamlConstructors.put(new Tag("!function"), new AbstractConstruct() {
                @Override
                public Object construct(Node node) {
                    return new PythonFunction(node instanceof ScalarNode s ? s.getValue() : node.toString());
                }
            });
        }
    }
}
