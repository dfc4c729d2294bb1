package io.lingspark.jobs.input;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The input's cheap checks, before Spark starts (seconds, not the half minute a session and a schema
 * pass take): the path exists, a file named as JSON or CSV is not Parquet (and the other way round), a
 * CSV header has the columns the options name, and so do a small JSONL file's objects. Anything it cannot
 * decide this way (tables, compressed or large files, stores this JVM has no configuration for) is left
 * to the reader in the job, which checks everything again.
 */
public final class InputPreflight {
    /** JSONL files up to this size are scanned whole for the named columns. */
    static final long JSON_SCAN_BYTES = 32L << 20;
    private static final byte[] PARQUET_MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

    private InputPreflight() {
    }

    public static void check(InputSpec spec) {
        if (spec.format() == InputFormat.TABLE) {
            return;
        }
        if (missingLocalFile(spec.input())) {
            // before Hadoop's classes (and the logging they start) are loaded: a typo fails at once
            throw new InputException("input '" + spec.input() + "' does not exist");
        }
        Path path = new Path(spec.input());
        FileSystem fs;
        try {
            fs = path.getFileSystem(new Configuration());
        } catch (IOException | RuntimeException e) {
            return; // a store this JVM cannot reach without the cluster's configuration: the job will say
        }
        try {
            FileStatus[] matches = fs.globStatus(path);
            if (matches == null || matches.length == 0) {
                throw new InputException("input '" + spec.input() + "' does not exist");
            }
            Path first = firstDataFile(fs, matches);
            if (first == null) {
                return; // an empty folder: an empty input, which is a run of 0 requests
            }
            boolean parquet = startsWith(fs, first, PARQUET_MAGIC);
            if (parquet && spec.format() != InputFormat.PARQUET) {
                throw new InputException("input '" + first + "' is a Parquet file, but it is read as "
                    + spec.format().name().toLowerCase().replace('_', '-') + "; use --input-format parquet");
            }
            if (!parquet && spec.format() == InputFormat.PARQUET && fs.getFileStatus(first).getLen() > 0) {
                throw new InputException("input '" + first + "' is not a Parquet file; use --input-format jsonl, csv "
                    + "or openai-batch");
            }
            String name = first.getName().toLowerCase();
            if (name.endsWith(".gz") || name.endsWith(".zst") || name.endsWith(".bz2") || name.endsWith(".snappy")) {
                return;
            }
            if (spec.format() == InputFormat.CSV) {
                checkColumns(spec, csvHeader(fs, first), "the CSV header of " + first);
            } else if (spec.format() == InputFormat.JSONL && matches.length == 1 && fs.getFileStatus(first).getLen() <= JSON_SCAN_BYTES
                && !fs.getFileStatus(matches[0].getPath()).isDirectory()) {
                Set<String> keys = jsonKeys(fs, first);
                if (keys != null) {
                    checkColumns(spec, keys, "the objects of " + first);
                }
            }
        } catch (IOException e) {
            throw new InputException("cannot read input '" + spec.input() + "': " + e.getMessage(), e);
        }
    }

    /** A local path (no scheme, or file:) without glob characters that names nothing. */
    static boolean missingLocalFile(String input) {
        String p = input.startsWith("file:") ? input.substring("file:".length()).replaceFirst("^//(?=/)", "") : input;
        if (p.isEmpty() || p.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*") || p.matches(".*[*?\\[\\]{}\\\\].*")) {
            return false;
        }
        try {
            return !java.nio.file.Files.exists(java.nio.file.Path.of(p));
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    /** The columns the options name must be there; and a prompt or messages column. */
    static void checkColumns(InputSpec spec, Set<String> columns, String where) {
        List<String> named = new ArrayList<>();
        for (String c : Arrays.asList(spec.idColumn(), spec.promptColumn(), spec.messagesColumn(), spec.toolsColumn(),
            spec.paramsColumn())) {
            if (c != null && !c.isBlank()) {
                named.add(c);
            }
        }
        named.addAll(spec.keepColumns());
        for (String c : named) {
            if (!columns.contains(c)) {
                throw new InputException("column '" + c + "' is not in " + where + "; columns: " + columns);
            }
        }
        boolean prompt = spec.promptColumn() != null && !spec.promptColumn().isBlank() || columns.contains("prompt")
            || spec.chat() != null && spec.chat().template() != null; // --prompt-template builds the messages
        boolean messages = spec.messagesColumn() != null && !spec.messagesColumn().isBlank() || columns.contains("messages");
        if (!prompt && !messages && !(columns.contains("custom_id") && columns.contains("body"))) {
            throw new InputException("no 'prompt' or 'messages' column in " + where + " (columns: " + columns
                + "); use --prompt-column, --messages-column or --prompt-template, or --input-format if this is "
                + "another format (parquet, jsonl, csv, openai-batch, table)");
        }
    }

    private static Path firstDataFile(FileSystem fs, FileStatus[] matches) throws IOException {
        for (FileStatus m : matches) {
            if (m.isFile()) {
                return m.getPath();
            }
            FileStatus[] inside = fs.listStatus(m.getPath(), p -> !p.getName().startsWith("_") && !p.getName().startsWith("."));
            Arrays.sort(inside);
            for (FileStatus f : inside) {
                if (f.isFile()) {
                    return f.getPath();
                }
            }
        }
        return null;
    }

    private static boolean startsWith(FileSystem fs, Path p, byte[] magic) throws IOException {
        try (InputStream in = fs.open(p)) {
            byte[] head = in.readNBytes(magic.length);
            return Arrays.equals(head, magic);
        }
    }

    private static Set<String> csvHeader(FileSystem fs, Path p) throws IOException {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(p), StandardCharsets.UTF_8))) {
            String line = r.readLine();
            Set<String> cols = new LinkedHashSet<>();
            if (line == null) {
                return Set.of("prompt"); // header-only or empty: an empty input, not a column error
            }
            if (line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            for (String c : line.split(",", -1)) {
                String t = c.trim();
                if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
                    t = t.substring(1, t.length() - 1).replace("\"\"", "\"");
                }
                cols.add(t);
            }
            return cols;
        }
    }

    /** Every top-level key of the file's objects, or null when a line is not an object (the reader decides). */
    private static Set<String> jsonKeys(FileSystem fs, Path p) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Set<String> keys = new LinkedHashSet<>();
        boolean any = false;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(p), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n;
                try {
                    n = json.readTree(line);
                } catch (IOException e) {
                    continue; // a malformed line is a BAD_JSON row, not a reason to stop
                }
                if (n == null || !n.isObject()) {
                    return null;
                }
                any = true;
                n.fieldNames().forEachRemaining(keys::add);
            }
        }
        return any ? keys : null;
    }
}
