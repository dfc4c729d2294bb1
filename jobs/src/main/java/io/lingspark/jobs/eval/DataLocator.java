package io.lingspark.jobs.eval;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Resolves a task's {@code dataset_path} / {@code dataset_name} / {@code dataset_kwargs} to local
 * files, the ways lm-eval users write local data for datasets.load_dataset:
 * <ul>
 * <li>{@code dataset_path: json|csv|parquet} with {@code dataset_kwargs: {data_files: ...}}: a file,
 * a list, or a map of split to file(s); globs allowed; a file or list alone is the split "train";</li>
 * <li>{@code dataset_path} naming a local file (split "train") or folder; in a folder (or its
 * {@code dataset_name} subfolder) files are assigned to splits by name as datasets does (train /
 * training; validation / valid / val / dev; test / testing / eval / evaluation, as a file-name word or
 * a folder name), and when no name says a split, every file is "train";</li>
 * <li>anything else is a Hugging Face Hub name, which is refused with how to download it first.</li>
 * </ul>
 * Relative paths are resolved against the task file's folder (lm-eval: the working directory).
 */
final class DataLocator {
    private static final Set<String> BUILDERS = Set.of("json", "csv", "parquet");
    private static final Map<String, List<String>> SPLIT_WORDS = splitWords();

    private DataLocator() {
    }

    private static Map<String, List<String>> splitWords() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("train", List.of("train", "training"));
        m.put("validation", List.of("validation", "valid", "val", "dev"));
        m.put("test", List.of("test", "testing", "eval", "evaluation"));
        return m;
    }

    static DataSpec locate(Path taskFile, String datasetPath, String datasetName, Map<String, Object> kwargs) {
        Path base = taskFile.toAbsolutePath().getParent();
        String where = taskFile + ": ";
        if (datasetPath == null || datasetPath.isBlank()) {
            throw new TaskConfigException(where + "dataset_path is required (json, csv, parquet, or a local file or folder)");
        }
        Object dataFiles = kwargs.get("data_files");
        Path local = base.resolve(datasetPath).normalize();
        if (BUILDERS.contains(datasetPath)) {
            if (dataFiles == null) {
                throw new TaskConfigException(where + "dataset_path: " + datasetPath
                    + " needs dataset_kwargs.data_files (a file, a list of files, or a map of split to files)");
            }
            return fromDataFiles(where, base, datasetPath, dataFiles);
        }
        if (Files.isRegularFile(local)) {
            if (dataFiles != null) {
                throw new TaskConfigException(where + "dataset_path is the file " + local + ", so data_files has nothing to name");
            }
            return new DataSpec(commonFormat(where, Map.of("train", List.of(local))), Map.of("train", List.of(local)));
        }
        if (Files.isDirectory(local)) {
            Path dir = datasetName != null && Files.isDirectory(local.resolve(datasetName)) ? local.resolve(datasetName) : local;
            if (dataFiles != null) {
                return fromDataFiles(where, dir, null, dataFiles);
            }
            return fromFolder(where, dir);
        }
        throw new TaskConfigException(where + "dataset_path '" + datasetPath + "' is not a local file or folder (looked at "
            + local + "), so it would be a Hugging Face Hub dataset; LingSpark reads local data only. Download it first, "
            + "e.g. `huggingface-cli download " + datasetPath + " --repo-type dataset --local-dir DIR`, then set "
            + "dataset_path: DIR (a folder), or dataset_path: parquet with dataset_kwargs.data_files");
    }

    private static DataSpec fromDataFiles(String where, Path base, String format, Object dataFiles) {
        Map<String, List<Path>> splits = new LinkedHashMap<>();
        if (dataFiles instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                splits.put(String.valueOf(e.getKey()), expand(where, base, e.getValue()));
            }
        } else {
            splits.put("train", expand(where, base, dataFiles));
        }
        return new DataSpec(format != null ? format : commonFormat(where, splits), splits);
    }

    /** The format every file's extension says, when dataset_path does not name one. */
    private static String commonFormat(String where, Map<String, List<Path>> splits) {
        String fmt = null;
        for (List<Path> files : splits.values()) {
            for (Path f : files) {
                String own = knownFormat(f);
                if (own == null) {
                    throw new TaskConfigException(where + "cannot tell the format of " + f + " (.json, .jsonl, .csv, .parquet)");
                }
                if (fmt != null && !fmt.equals(own)) {
                    throw new TaskConfigException(where + "data files mix formats (" + fmt + " and " + own + ")");
                }
                fmt = own;
            }
        }
        return fmt;
    }

    /** One data_files value (a path, a glob, or a list of them) to existing files, each glob's matches sorted. */
    private static List<Path> expand(String where, Path base, Object value) {
        List<Object> items = value instanceof List<?> l ? new ArrayList<>(l) : List.of(value);
        List<Path> out = new ArrayList<>();
        for (Object item : items) {
            if (!(item instanceof String s)) {
                throw new TaskConfigException(where + "data_files entries are file names, got " + item);
            }
            if (s.contains("*") || s.contains("?") || s.contains("[")) {
                out.addAll(glob(where, base, s));
                continue;
            }
            Path p = base.resolve(s).normalize();
            if (!Files.isRegularFile(p)) {
                throw new TaskConfigException(where + "data file not found: " + p);
            }
            out.add(p);
        }
        return out;
    }

    private static List<Path> glob(String where, Path base, String pattern) {
        Path full = base.resolve(pattern).normalize();
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + full.toString().replace("\\", "\\\\"));
        Path root = full;
        while (root != null && root.toString().matches(".*[*?\\[].*")) {
            root = root.getParent();
        }
        List<Path> matches = new ArrayList<>();
        if (root != null && Files.isDirectory(root)) {
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(Files::isRegularFile).filter(matcher::matches).sorted().forEach(matches::add);
            } catch (IOException e) {
                throw new TaskConfigException(where + "cannot list " + root + ": " + e.getMessage(), e);
            }
        }
        if (matches.isEmpty()) {
            throw new TaskConfigException(where + "no data file matches " + full);
        }
        return matches;
    }

    private static DataSpec fromFolder(String where, Path dir) {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).filter(p -> knownFormat(p) != null).sorted().toList();
        } catch (IOException e) {
            throw new TaskConfigException(where + "cannot list " + dir + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new TaskConfigException(where + "no .json, .jsonl, .csv or .parquet files in " + dir);
        }
        Map<String, List<Path>> splits = new LinkedHashMap<>();
        for (Path f : files) {
            String split = splitOf(dir.relativize(f));
            if (split != null) {
                splits.computeIfAbsent(split, k -> new ArrayList<>()).add(f);
            }
        }
        if (splits.isEmpty()) {
            splits.put("train", files);
        }
        return new DataSpec(commonFormat(where, splits), splits);
    }

    /** The split a file's relative path names: a folder called like a split, or a file-name word. */
    static String splitOf(Path relative) {
        for (Map.Entry<String, List<String>> e : SPLIT_WORDS.entrySet()) {
            for (int i = 0; i < relative.getNameCount(); i++) {
                String part = relative.getName(i).toString().toLowerCase(Locale.ROOT);
                boolean fileName = i == relative.getNameCount() - 1;
                for (String word : fileName ? part.split("[-._ 0-9]+") : new String[] {part}) {
                    if (e.getValue().contains(word)) {
                        return e.getKey();
                    }
                }
            }
        }
        return null;
    }

    private static String knownFormat(Path f) {
        String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".json") || name.endsWith(".jsonl")) {
            return "json";
        }
        if (name.endsWith(".csv")) {
            return "csv";
        }
        if (name.endsWith(".parquet")) {
            return "parquet";
        }
        return null;
    }
}
