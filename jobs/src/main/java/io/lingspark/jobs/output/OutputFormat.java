package io.lingspark.jobs.output;

import java.util.Locale;

/** Parquet (zstd, the default) or JSONL. */
public enum OutputFormat {
    PARQUET, JSONL;

    public static OutputFormat parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "parquet" -> PARQUET;
            case "jsonl", "json" -> JSONL;
            default -> throw new IllegalArgumentException("unknown --output-format '" + s + "' (parquet, jsonl)");
        };
    }
}
