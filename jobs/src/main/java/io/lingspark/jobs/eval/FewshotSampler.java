package io.lingspark.jobs.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * lm-eval's ContextSampler.get_context (lm_eval/api/samplers.py): draws fewshot documents with
 * random.Random(1234) (the evaluator's fewshot_random_seed), one draw per eval document in doc order,
 * so document i's examples depend on every draw before it, exactly as in lm-eval. When fewshot_split
 * equals test_split (as configured: two unset splits count as equal, as in lm-eval) one extra
 * document is drawn and the document being evaluated is dropped from the draw (by content, like
 * Python's dict !=); at most num_fewshot remain. The {@code first_n} sampler takes the first documents
 * instead of drawing.
 */
final class FewshotSampler {
    /** lm-eval's default fewshot_random_seed. */
    static final long SEED = 1234;

    private final TaskConfig task;
    private final DocFields fields;
    private final List<Map<String, Object>> docs;
    private final PyRandom rnd = new PyRandom(SEED);

    FewshotSampler(TaskConfig task, DocFields fields, List<Map<String, Object>> docs) {
        this.task = task;
        this.fields = fields;
        this.docs = docs;
    }

    /** How many documents one draw takes. */
    static int drawSize(TaskConfig task, int numFewshot) {
        boolean sameSplit = java.util.Objects.equals(task.fewshotSplit(), task.testSplit());
        return sameSplit ? numFewshot + 1 : numFewshot;
    }

    /** The documents drawn for the next eval document (advances the generator, like sample()). */
    List<Map<String, Object>> draw(int numFewshot) {
        int n = drawSize(task, numFewshot);
        if (task.sampler().equals("first_n")) {
            return docs.subList(0, n);
        }
        List<Map<String, Object>> out = new ArrayList<>(n);
        for (int i : rnd.sampleIndices(docs.size(), n)) {
            out.add(docs.get(i));
        }
        return out;
    }

    /** The labeled examples for doc from one draw: text, target_delimiter, target, fewshot_delimiter each. */
    String context(Map<String, Object> doc, List<Map<String, Object>> drawn, int numFewshot) {
        StringBuilder sb = new StringBuilder();
        int taken = 0;
        for (Map<String, Object> example : drawn) {
            if (example.equals(doc) || taken == numFewshot) {
                continue;
            }
            taken++;
            Object content = fields.text(example);
            Object target = fields.target(example);
            if (content instanceof String s) {
                sb.append(s);
            } else if (content instanceof Number i && task.docToChoice() != null) {
                sb.append(choice(example, i));
            } else {
                sb.append(DocFields.pyStr(content));
            }
            if (!"".equals(target)) {
                sb.append(task.targetDelimiter());
                if (target instanceof List<?> l) {
                    sb.append(l.isEmpty() ? "" : DocFields.pyStr(l.get(0)));
                } else if (task.docToChoice() == null || target instanceof String) {
                    sb.append(DocFields.pyStr(target));
                } else if (target instanceof Number i) {
                    sb.append(choice(example, i));
                } else {
                    sb.append(DocFields.pyStr(target));
                }
                sb.append(task.fewshotDelimiter());
            }
        }
        return sb.toString();
    }

    private String choice(Map<String, Object> example, Number index) {
        List<String> choices = fields.choices(example);
        int i = index.intValue();
        if (i < 0 || i >= choices.size()) {
            throw new DocException("INVALID_TARGET", "a fewshot example's index " + i + " is not one of its " + choices.size() + " choices");
        }
        return choices.get(i);
    }
}
