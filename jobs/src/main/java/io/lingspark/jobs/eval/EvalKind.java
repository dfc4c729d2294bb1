package io.lingspark.jobs.eval;

import io.lingspark.jobs.generate.GenerateJob;
import io.lingspark.jobs.generate.JobKind;
import io.lingspark.jobs.generate.JobSettings;
import io.lingspark.jobs.generate.RowWork;
import io.lingspark.jobs.input.Canonical;
import io.lingspark.jobs.input.InputException;
import io.lingspark.jobs.output.OutputSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The eval job as a kind of batch run: its input is not a dataset but the task files' documents,
 * read and turned into {@link DocRequest}s on the driver (fewshot draws are sequential, as lm-eval's),
 * one canonical row per document with id {@code task/doc_id}; each becomes one output row with the
 * document's scores and everything needed to rebuild its {@link DocResult} from the table.
 */
public final class EvalKind implements JobKind {
    private static final long serialVersionUID = 1L;

    /**
     * The eval output. choice (always 0), prompt_tokens, completion_tokens, attempt and error are the
     * columns every batch job writes; correct, confidence, loglikelihood, words, bytes and filtered are
     * the DocResult fields the summary and the comparison read back.
     */
    public static final StructType COLUMNS = new StructType()
        .add("id", DataTypes.StringType, false)
        .add("choice", DataTypes.IntegerType, false)
        .add("model", DataTypes.StringType)
        .add("model_revision", DataTypes.StringType)
        .add("task", DataTypes.StringType)
        .add("doc_id", DataTypes.IntegerType)
        .add("prompt", DataTypes.StringType)
        .add("target", DataTypes.StringType)
        .add("prediction", DataTypes.StringType)
        .add("choice_logprobs", DataTypes.createArrayType(DataTypes.DoubleType, false))
        .add("scores", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType, false))
        .add("filtered", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, true))
        .add("correct", DataTypes.BooleanType)
        .add("confidence", DataTypes.DoubleType)
        .add("loglikelihood", DataTypes.DoubleType)
        .add("words", DataTypes.LongType)
        .add("bytes", DataTypes.LongType)
        .add("prompt_tokens", DataTypes.IntegerType)
        .add("completion_tokens", DataTypes.IntegerType)
        .add("latency_ms", DataTypes.DoubleType)
        .add("attempt", DataTypes.IntegerType)
        .add("error", OutputSchema.ERROR);

    /** The canonical frame's columns (every one a string; no kept columns). */
    private static final StructType CANONICAL = new StructType()
        .add(Canonical.ID, DataTypes.StringType, false)
        .add(Canonical.PROMPT, DataTypes.StringType)
        .add(Canonical.MESSAGES, DataTypes.StringType)
        .add(Canonical.TOOLS, DataTypes.StringType)
        .add(Canonical.PARAMS, DataTypes.StringType)
        .add(Canonical.CORRUPT, DataTypes.StringType);

    // Driver side: the tasks as loaded (their data paths), and what read() made of them.
    private final transient List<TaskConfig> tasks;
    private final Integer numFewshot;
    private final int limit;
    private final String groupBy;
    private transient Map<String, List<Map<String, Object>>> evalDocs;
    private transient Map<String, DocRequest> requests;

    /**
     * @param numFewshot --num-fewshot, or null for each task's own
     * @param limit documents per task (0: all)
     * @param groupBy the --group-by column (checked before the run), or null
     */
    public EvalKind(List<TaskConfig> tasks, Integer numFewshot, int limit, String groupBy) {
        this.tasks = List.copyOf(tasks);
        this.numFewshot = numFewshot;
        this.limit = limit;
        this.groupBy = groupBy;
    }

    public static String id(String task, int docId) {
        return task + "/" + docId;
    }

    @Override
    public String name() {
        return "eval";
    }

    @Override
    public StructType outputColumns(GenerateJob.Settings s) {
        return COLUMNS;
    }

    /** Reads every task's documents and builds its requests; the frame holds one row per document. */
    @Override
    public Dataset<Row> read(SparkSession spark, GenerateJob.Settings s) {
        plan(spark);
        List<Row> rows = new ArrayList<>();
        requests.forEach((id, r) -> rows.add(RowFactory.create(id, r.context() != null ? r.context() : r.rollingText(),
            null, null, null, null)));
        return spark.createDataFrame(rows, CANONICAL);
    }

    /**
     * The documents and requests of every task (read once). A task whose data or prompts cannot be
     * built is an input error (exit 4) before anything runs; so is a --group-by column no task has.
     */
    void plan(SparkSession spark) {
        if (requests != null) {
            return;
        }
        Map<String, List<Map<String, Object>>> docs = new LinkedHashMap<>();
        Map<String, DocRequest> byId = new LinkedHashMap<>();
        try {
            for (TaskConfig t : tasks) {
                if (docs.containsKey(t.name())) {
                    throw new TaskConfigException("two --task files define task '" + t.name() + "'");
                }
                List<Map<String, Object>> eval = EvalDocs.read(spark, t.data(), t.evalSplit());
                int k = numFewshot != null ? numFewshot : t.numFewshot();
                String fewshotSplit = t.fewshotSourceSplit();
                List<Map<String, Object>> fewshot = k > 0 && fewshotSplit != null ? EvalDocs.read(spark, t.data(), fewshotSplit) : null;
                docs.put(t.name(), eval);
                for (DocRequest r : RequestBuilder.build(t, eval, fewshot, k, limit)) {
                    byId.put(id(t.name(), r.docId()), r);
                }
            }
            if (groupBy != null && docs.values().stream().noneMatch(d -> hasColumn(d, groupBy))) {
                throw new TaskConfigException("--group-by column '" + groupBy + "' is in no task's documents");
            }
        } catch (TaskConfigException e) {
            throw new InputException(e.getMessage(), e);
        }
        evalDocs = docs;
        requests = byId;
    }

    static boolean hasColumn(List<Map<String, Object>> docs, String column) {
        return docs.stream().anyMatch(d -> d.containsKey(column));
    }

    List<TaskConfig> tasks() {
        return tasks;
    }

    Map<String, List<Map<String, Object>>> evalDocs() {
        return evalDocs;
    }

    Map<String, DocRequest> requests() {
        return requests;
    }

    /** The documents come from the task files, which the command read already: no input file to check. */
    @Override
    public void preflight(io.lingspark.jobs.generate.GenerateJob.Settings s) {
    }

    @Override
    public RowWork work(JobSettings js) {
        Map<String, TaskConfig> portable = new LinkedHashMap<>();
        for (TaskConfig t : tasks) {
            portable.put(t.name(), forExecutors(t));
        }
        return new EvalWork(portable, new LinkedHashMap<>(requests), js.runId()).withModelName(js.modelName());
    }

    /**
     * The task as the executors need it for scoring: without its file and data paths (not
     * serializable, and meaningless on another machine) and inline fewshot samples (used on the driver).
     */
    private static TaskConfig forExecutors(TaskConfig t) {
        return new TaskConfig(null, t.name(), t.outputType(), new DataSpec(t.data().format(), Map.of()),
            t.trainingSplit(), t.validationSplit(), t.testSplit(), t.fewshotSplit(), t.docToText(), t.docToTarget(),
            t.docToChoice(), t.description(), t.targetDelimiter(), t.fewshotDelimiter(), t.numFewshot(), t.sampler(),
            null, t.generation(), t.filters());
    }
}
