package io.lingspark.jobs.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lingspark.engine.command.ExitCodes;
import io.lingspark.engine.command.ExitCodes.CommandException;
import io.lingspark.engine.config.ModelLoadException;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/** The exit code and the one line of each kind of failure (Spark's own are in GenerateFailureTest). */
class FailuresTest {
    static CommandException classify(Throwable t) {
        return Failures.classify(t, "/out");
    }

    @Test
    void eachFailureGetsItsCodeAndTheFirstLineOfItsRootCause() {
        CommandException oom = classify(new RuntimeException("task failed", new OutOfMemoryError("Java heap space")));
        assertEquals(ExitCodes.UNEXPECTED, oom.exitCode);
        assertEquals("out of memory: Java heap space (give the driver or the executors more memory, or lower "
            + "--max-in-flight / --max-running)", oom.getMessage());
        CommandException commit = classify(new UncheckedIOException(new IOException("No space left on device\n\tat x.y(Z.java:1)")));
        assertEquals(ExitCodes.OUTPUT, commit.exitCode);
        assertEquals("output error: cannot write to '/out': No space left on device", commit.getMessage());
        CommandException model = classify(new IllegalStateException("wrapped", new ModelLoadException("shard 3 is truncated")));
        assertEquals(ExitCodes.MODEL, model.exitCode);
        assertEquals("model error on an executor: shard 3 is truncated", model.getMessage());
        CommandException other = classify(new IllegalStateException("first line\nsecond line"));
        assertEquals(ExitCodes.UNEXPECTED, other.exitCode);
        assertEquals("failed: IllegalStateException: first line", other.getMessage());
        assertEquals(ExitCodes.USAGE, classify(new IllegalArgumentException("bad value")).exitCode);
    }
}
