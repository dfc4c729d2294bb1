package io.lingspark.jobs.input;

import java.util.Locale;

/** The input formats the jobs read; the format is inferred from the path when not given. */
public enum InputFormat {
    PARQUET, JSONL, CSV, OPENAI_BATCH, TABLE;

    /** Parses a --input-format value (parquet, jsonl, csv, openai-batch, table). */
    public static InputFormat parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        return switch (v) {
            case "parquet" -> PARQUET;
            case "jsonl", "json", "ndjson" -> JSONL;
            case "csv" -> CSV;
            case "openai-batch", "openai" -> OPENAI_BATCH;
            case "table" -> TABLE;
            default -> throw new IllegalArgumentException(
                "unknown --input-format '" + s + "' (parquet, jsonl, csv, openai-batch, table)");
        };
    }

    /**
     * Infers the format from the input string. A path ending in .parquet/.jsonl/.json/.csv (or a
     * folder whose name does) gives that format; a name without a slash and with no known extension
     * is a table name (db.table). OpenAI batch files are ordinary JSONL, so they need the flag.
     */
    public static InputFormat infer(String input) {
        String p = input.toLowerCase(Locale.ROOT);
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.endsWith(".gz") || p.endsWith(".zst") || p.endsWith(".bz2")) {
            p = p.substring(0, p.lastIndexOf('.'));
        }
        if (p.endsWith(".parquet")) {
            return PARQUET;
        }
        if (p.endsWith(".jsonl") || p.endsWith(".json") || p.endsWith(".ndjson")) {
            return JSONL;
        }
        if (p.endsWith(".csv")) {
            return CSV;
        }
        if (!p.contains("/") && !p.contains("\\") && p.matches("[a-z0-9_]+(\\.[a-z0-9_]+){0,2}")) {
            return TABLE;
        }
        throw new IllegalArgumentException("cannot infer the format of '" + input
            + "' from its name; pass --input-format (parquet, jsonl, csv, openai-batch, table)");
    }
}
