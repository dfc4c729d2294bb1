package io.lingspark.engine.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads the JSON files of a model directory (config.json, tokenizer.json, ...) as untrusted input:
 * the file's size is checked before it is read (a tree takes several times the file on the heap),
 * and a parse error becomes a ModelLoadException of one line naming the file, the problem and where
 * it is (Jackson's own messages span lines). Jackson's read constraints bound nesting and string length.
 */
public final class ModelFiles {
    /** config.json, generation_config.json, special_tokens_map.json: a few KB in real checkpoints. */
    public static final long SMALL_JSON = 16L << 20;
    /** tokenizer_config.json (with its chat template and added-token table) and the shard index (Ling-1T: ~5 MB). */
    public static final long MEDIUM_JSON = 64L << 20;
    /** tokenizer.json (Ling's: ~7 MB for 157,184 tokens). */
    public static final long LARGE_JSON = 512L << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelFiles() {
    }

    /** The file's JSON object; a missing file, an oversized one, bad JSON or a non-object is a ModelLoadException. */
    public static JsonNode readObject(Path file, long maxBytes) {
        JsonNode n = readJson(file, maxBytes);
        if (!n.isObject()) {
            throw new ModelLoadException(file + ": expected a JSON object, found " + n.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        return n;
    }

    public static JsonNode readJson(Path file, long maxBytes) {
        checkSize(file, maxBytes);
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || n.isMissingNode()) {
                throw new ModelLoadException(file + ": empty, expected JSON");
            }
            return n;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            // Jackson appends where an unclosed object started, with a redacted source: the position below is enough
            String why = oneLine(e.getOriginalMessage()).replaceAll("\\s*\\(start marker at \\[Source:.*?\\]\\)", "");
            throw new ModelLoadException(file + ": not valid JSON: " + why
                + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"), e);
        } catch (IOException e) {
            throw new ModelLoadException(file + ": cannot read: " + oneLine(String.valueOf(e.getMessage())), e);
        }
    }

    /** Refuses a file larger than maxBytes before anything reads it. */
    public static void checkSize(Path file, long maxBytes) {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new ModelLoadException(file + ": not found", e);
        } catch (IOException e) {
            throw new ModelLoadException(file + ": cannot read: " + oneLine(String.valueOf(e.getMessage())), e);
        }
        if (size > maxBytes) {
            throw new ModelLoadException(String.format(java.util.Locale.ROOT, "%s: %,d bytes, more than the %,d this file may have",
                file, size, maxBytes));
        }
    }

    /** A message that came from elsewhere, on one line (driver logs show the first line of an error). */
    public static String oneLine(String s) {
        return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
