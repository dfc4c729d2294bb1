package io.lingspark.jobs.eval;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where a task's documents are: one format for all files ({@code json}: JSON Lines, or one JSON
 * array per file; {@code csv} with a header row; {@code parquet}) and, per split name (test,
 * validation, train, ...), its files in reading order. A split's documents are its files' rows in
 * this order, file after file; a document's doc_id is its index in its split.
 */
public record DataSpec(String format, Map<String, List<Path>> splits) implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    public DataSpec {
        splits = Map.copyOf(splits);
    }

    /** The files of a split, or TaskConfigException naming the splits there are. */
    public List<Path> files(String split) {
        List<Path> files = splits.get(split);
        if (files == null) {
            throw new TaskConfigException("no split '" + split + "' in the task's data (splits: "
                + new java.util.TreeSet<>(splits.keySet()) + ")");
        }
        return files;
    }
}
