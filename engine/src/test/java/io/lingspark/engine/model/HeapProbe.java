package io.lingspark.engine.model;

import io.lingspark.engine.config.ModelLoadException;
import io.lingspark.engine.runtime.EngineOptions;
import io.lingspark.engine.runtime.LingEngine;
import java.nio.file.Path;

/**
 * Child JVM of HeapCheckTest: opens an engine on a model directory as an executor does and prints
 * how it went; a ModelLoadException exits 3 (the CLI's model exit code), anything else escapes.
 */
public final class HeapProbe {
    private HeapProbe() {
    }

    public static void main(String[] args) {
        try (LingEngine e = LingEngine.open(EngineOptions.of(Path.of(args[0])))) {
            System.out.println("LOADED " + e.config());
        } catch (ModelLoadException e) {
            System.out.println("MODEL_LOAD_EXCEPTION " + e.getMessage());
            System.exit(3);
        }
    }
}
