package io.lingspark.jobs.report;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingspark.jobs.eval.Aggregator;
import io.lingspark.jobs.eval.Comparison;
import io.lingspark.jobs.eval.DocRequest;
import io.lingspark.jobs.eval.DocResult;
import io.lingspark.jobs.eval.EvalRun;
import io.lingspark.jobs.eval.ModelOutput;
import io.lingspark.jobs.eval.RequestBuilder;
import io.lingspark.jobs.eval.Scorer;
import io.lingspark.jobs.eval.TaskConfig;
import io.lingspark.jobs.eval.TaskSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The two example tasks run end to end through the public eval API, the way the eval job drives it,
 * with a stand-in for the model: a seeded generator of loglikelihoods and answers that is right
 * with a given probability (the numbers are not a model's; they exercise every part of the report).
 */
final class ExampleRun {
    static final Path EXAMPLES = Path.of("..", "examples", "eval").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_LONG_FOR_INTS);

    private ExampleRun() {
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> docs(TaskConfig task, String split) {
        List<Map<String, Object>> out = new ArrayList<>();
        try {
            for (Path f : task.data().files(split)) {
                for (String line : Files.readAllLines(f)) {
                    out.add(JSON.readValue(line, Map.class));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** One run's per-document results: skill is the chance a document is answered right. */
    static List<DocResult> results(TaskConfig task, double skill, long seed) {
        List<Map<String, Object>> test = docs(task, task.evalSplit());
        List<Map<String, Object>> fewshot = task.numFewshot() > 0 ? docs(task, task.fewshotSourceSplit()) : null;
        Random random = new Random(seed);
        List<DocResult> out = new ArrayList<>();
        for (DocRequest r : RequestBuilder.build(task, test, fewshot, task.numFewshot(), 0)) {
            boolean right = random.nextDouble() < skill;
            ModelOutput output;
            if (r.type() == io.lingspark.jobs.eval.OutputType.MULTIPLE_CHOICE) {
                int pick = right ? r.gold().get(0) : (r.gold().get(0) + 1 + random.nextInt(r.choices().size() - 1)) % r.choices().size();
                double margin = 0.2 + 3 * random.nextDouble();
                List<ModelOutput.ChoiceScore> scores = new ArrayList<>();
                for (int i = 0; i < r.choices().size(); i++) {
                    double ll = i == pick ? -1.0 : -1.0 - margin - random.nextDouble();
                    scores.add(new ModelOutput.ChoiceScore(ll * (1 + r.choices().get(i).length() / 20.0), i == pick));
                }
                output = ModelOutput.ofChoices(scores);
            } else {
                String answer = r.targets().get(0);
                String wrong = String.valueOf(Integer.parseInt(answer) + 1 + random.nextInt(9));
                String text = random.nextBoolean() ? " " + (right ? answer : wrong) : " It is " + (right ? answer : wrong) + " in total.";
                output = ModelOutput.ofText(text + "\n\nQuestion: What is 1 + 1?");
            }
            out.add(Scorer.score(task, r, output));
        }
        return out;
    }

    /** Both tasks, grouped by a column, compared with a weaker earlier run. */
    static EvalRun run(int bootstrapIters) {
        TaskConfig capitals = TaskConfig.load(EXAMPLES.resolve("capitals/capitals.yaml"));
        TaskConfig arithmetic = TaskConfig.load(EXAMPLES.resolve("arithmetic/arithmetic.yaml"));
        List<TaskSummary> tasks = new ArrayList<>();
        Map<String, Map<String, TaskSummary>> groups = new LinkedHashMap<>();
        List<Comparison.TaskComparison> comparisons = new ArrayList<>();
        for (TaskConfig task : List.of(capitals, arithmetic)) {
            List<DocResult> now = results(task, 0.75, 7);
            List<DocResult> before = results(task, 0.55, 8);
            tasks.add(Aggregator.summarize(task, now, bootstrapIters));
            String column = task == capitals ? "continent" : "operation";
            groups.put(task.name(), Aggregator.summarizeByGroup(task, now, Aggregator.groupsOf(docs(task, "test"), column), bootstrapIters));
            comparisons.add(Comparison.compare(task, now, before, Comparison.DEFAULT_ITERS, Comparison.DEFAULT_SEED));
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("num_fewshot", "task default");
        settings.put("limit", "none");
        settings.put("bootstrap_iters", bootstrapIters);
        settings.put("fewshot_seed", 1234);
        return new EvalRun("examples (stand-in model)", "none", settings, tasks, "continent / operation", groups,
            "an earlier stand-in run", comparisons);
    }
}
