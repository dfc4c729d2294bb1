package io.lingspark.jobs.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lingspark.engine.command.ExitCodes;
import io.lingspark.engine.command.ExitCodes.CommandException;
import io.lingspark.engine.config.ModelLoadException;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.spark.SparkException;
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

    /** A Spark error with its condition, as a failed task or read raises it. */
    @SuppressWarnings("unchecked")
    static SparkException spark(String condition, Throwable cause) {
        scala.collection.immutable.Map<String, String> params =
            (scala.collection.immutable.Map<String, String>) (Object) scala.collection.immutable.Map$.MODULE$.empty();
        return new SparkException(condition, params.updated("path", "/data/x"), cause);
    }

    @Test
    void sparkFailuresAreTakenApartByConditionAndRootCause() {
        // what the driver gets when a task fails: the job abort, wrapping the task's error
        CommandException disk = classify(new SparkException("Job aborted due to stage failure: ...",
            spark("TASK_WRITE_FAILED", new IOException("No space left on device"))));
        assertEquals(ExitCodes.OUTPUT, disk.exitCode);
        assertEquals("output error: cannot write to '/out': No space left on device", disk.getMessage());
        // the generator's own failure surfaces as a write failure too, but it is not the output's fault
        CommandException bug = classify(new SparkException("Job aborted due to stage failure: ...",
            spark("TASK_WRITE_FAILED", new IllegalStateException("the run has 3 requests but 4 were submitted"))));
        assertEquals(ExitCodes.UNEXPECTED, bug.exitCode);
        assertEquals("failed: IllegalStateException: the run has 3 requests but 4 were submitted", bug.getMessage());
        CommandException read = classify(new SparkException("Job aborted due to stage failure: ...",
            spark("FAILED_READ_FILE.NO_HINT", new IOException("Input/output error"))));
        assertEquals(ExitCodes.INPUT, read.exitCode);
        assertEquals("input error: cannot read the input: Input/output error", read.getMessage());
    }
}
