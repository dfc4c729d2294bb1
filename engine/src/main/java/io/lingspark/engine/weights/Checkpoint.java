package io.lingspark.engine.weights;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingspark.engine.config.ModelFiles;
import io.lingspark.engine.config.ModelLoadException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tensors of a checkpoint directory: a single {@code model.safetensors}, or shards listed by
 * {@code model.safetensors.index.json}. The index is authoritative (shard boundaries are never
 * assumed); every shard it names must exist and hold the tensors the index assigns to it.
 */
public final class Checkpoint implements AutoCloseable {
    private final Path dir;
    private final Map<String, SafetensorsFile> files = new TreeMap<>();
    private final Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    private int declared;

    private Checkpoint(Path dir) {
        this.dir = dir;
    }

    public static Checkpoint open(Path dir) {
        return open(dir, name -> true);
    }

    /**
     * Only the tensors wanted names: with an index, only the shards that hold one of them are opened
     * (a pipeline stage reads its own layers and nothing else); a single-file checkpoint is opened whole.
     */
    public static Checkpoint open(Path dir, java.util.function.Predicate<String> wanted) {
        Checkpoint c = new Checkpoint(dir);
        try {
            c.load(wanted);
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private void load(java.util.function.Predicate<String> wanted) {
        Path index = dir.resolve("model.safetensors.index.json");
        Path single = dir.resolve("model.safetensors");
        if (Files.isRegularFile(index)) {
            JsonNode map = ModelFiles.readObject(index, ModelFiles.MEDIUM_JSON).get("weight_map");
            if (map == null || !map.isObject()) {
                throw new ModelLoadException(index + " has no weight_map object");
            }
            declared = map.size();
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!wanted.test(e.getKey())) {
                    continue;
                }
                if (!e.getValue().isTextual()) {
                    throw new ModelLoadException(index + ": the shard of tensor '" + e.getKey() + "' is not a file name: " + e.getValue());
                }
                String shard = e.getValue().asText();
                if (shard.contains("/") || shard.contains("\\") || shard.startsWith(".")) {
                    throw new ModelLoadException(index + ": shard name '" + shard + "' for tensor '" + e.getKey()
                            + "' is not a plain file name");
                }
                SafetensorsFile f = files.computeIfAbsent(shard, s -> {
                    Path p = dir.resolve(s);
                    if (!Files.isRegularFile(p)) {
                        throw new ModelLoadException("shard " + s + " listed in " + index.getFileName() + " is missing from " + dir);
                    }
                    return SafetensorsFile.open(p);
                });
                TensorInfo t = f.tensors().get(e.getKey());
                if (t == null) {
                    throw new ModelLoadException("tensor '" + e.getKey() + "' is listed in the index under " + shard
                            + " but that shard does not contain it");
                }
                tensors.put(e.getKey(), t);
            }
        } else if (Files.isRegularFile(single)) {
            SafetensorsFile f = SafetensorsFile.open(single);
            files.put(single.getFileName().toString(), f);
            declared = f.tensors().size();
            f.tensors().forEach((name, t) -> {
                if (wanted.test(name)) {
                    tensors.put(name, t);
                }
            });
        } else {
            throw new ModelLoadException("no weights in " + dir + ": expected model.safetensors.index.json or model.safetensors");
        }
    }

    /** Tensors the checkpoint declares (the index's weight map, or the single file's header), wanted or not. */
    public int declaredTensors() {
        return declared;
    }

    public Path dir() {
        return dir;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor, or a ModelLoadException naming it. */
    public TensorInfo tensor(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new ModelLoadException("tensor '" + name + "' is missing from the checkpoint in " + dir);
        }
        return t;
    }

    /** The shard files opened (a stage opens only those holding its tensors). */
    public java.util.Set<String> files() {
        return Collections.unmodifiableSet(files.keySet());
    }

    /** Bytes read from the files so far: headers, and every tensor byte copied or mapped for use. */
    public long bytesRead() {
        long n = 0;
        for (SafetensorsFile f : files.values()) {
            n += f.bytesRead();
        }
        return n;
    }

    public Map<String, TensorInfo> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    @Override
    public void close() {
        files.values().forEach(SafetensorsFile::close);
    }
}
