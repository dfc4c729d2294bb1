package io.lingspark.jobs.label;

import io.lingspark.jobs.generate.GenerateJob;
import io.lingspark.jobs.generate.JobKind;
import io.lingspark.jobs.generate.JobSettings;
import io.lingspark.jobs.generate.RowWork;
import io.lingspark.jobs.output.OutputSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The label job as a kind of batch run: the input's text column is the row's text, and each row
 * becomes one output row with its label, the labels' probabilities and the confidence.
 */
public final class LabelKind implements JobKind {
    private static final long serialVersionUID = 1L;

    /** How a row's label is chosen. */
    public enum Method { SCORE, GENERATE }

    /**
     * The label output. choice (always 0), prompt_tokens, completion_tokens, attempt and error are the
     * columns every batch job writes (the summary and --resume read them).
     */
    public static final StructType COLUMNS = new StructType()
        .add("id", DataTypes.StringType, false)
        .add("choice", DataTypes.IntegerType, false)
        .add("model", DataTypes.StringType)
        .add("model_revision", DataTypes.StringType)
        .add("label", DataTypes.StringType)
        .add("label_scores", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType, false))
        .add("confidence", DataTypes.DoubleType)
        .add("labels", DataTypes.createArrayType(DataTypes.StringType, false))
        .add("prompt_tokens", DataTypes.IntegerType)
        .add("completion_tokens", DataTypes.IntegerType)
        .add("latency_ms", DataTypes.DoubleType)
        .add("attempt", DataTypes.IntegerType)
        .add("error", OutputSchema.ERROR);

    private final LabelPrompt prompt;
    private final Method method;
    private final double threshold;
    private final int maxTokens;

    public LabelKind(LabelPrompt prompt, Method method, double threshold, int maxTokens) {
        this.prompt = prompt;
        this.method = method;
        this.threshold = threshold;
        this.maxTokens = maxTokens;
    }

    @Override
    public String name() {
        return "label";
    }

    @Override
    public StructType outputColumns(GenerateJob.Settings s) {
        return COLUMNS;
    }

    @Override
    public RowWork work(JobSettings js) {
        return new LabelWork(prompt, method, threshold, js.runId(), maxTokens, js.modelName());
    }
}
