package io.lingspark.jobs.generate;

import io.lingspark.jobs.input.InputReader;
import io.lingspark.jobs.output.OutputSchema;
import java.io.Serializable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Which batch job a run is: generate, label or eval. They share every batch promise (one writer per
 * output, exactly-once commit, errors as rows, --resume and --retry-errors, the status file, the
 * summary) through {@link GenerateRun}; a kind decides only what a row becomes and which columns the
 * output has. The output always holds id, choice, prompt_tokens, completion_tokens, attempt and the
 * error struct, which the summary and --resume read.
 */
public interface JobKind extends Serializable {
    /** The command's name, in messages and logs. */
    String name();

    /** The output's own columns (kept input columns and run_id follow). */
    StructType outputColumns(GenerateJob.Settings s);

    /** What each row becomes on the executors. */
    RowWork work(JobSettings js);

    /** The input as canonical rows ({@link io.lingspark.jobs.input.Canonical}) and the kept columns. */
    default Dataset<Row> read(SparkSession spark, GenerateJob.Settings s) {
        Set<String> reserved = new LinkedHashSet<>(List.of(outputColumns(s).fieldNames()));
        reserved.add(OutputSchema.RUN_ID);
        return InputReader.read(spark, s.input(), reserved);
    }

    /** Cheap input checks before Spark starts (a missing path, a missing column, the wrong format). */
    default void preflight(GenerateJob.Settings s) {
        io.lingspark.jobs.input.InputPreflight.check(s.input());
    }

    /** Text generation: the generate job. */
    JobKind GENERATE = new JobKind() {
        private static final long serialVersionUID = 1L;

        @Override
        public String name() {
            return "generate";
        }

        @Override
        public StructType outputColumns(GenerateJob.Settings s) {
            return OutputSchema.base(s.parsed().type());
        }

        @Override
        public RowWork work(JobSettings js) {
            return new GenerateWork(js);
        }

        private Object readResolve() {
            return GENERATE;
        }
    };
}
