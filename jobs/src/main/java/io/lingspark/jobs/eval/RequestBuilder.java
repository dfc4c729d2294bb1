package io.lingspark.jobs.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds every eval document's requests, as lm-eval's build_all_requests + fewshot_context +
 * construct_requests do for plain-text prompts (no chat template, no system instruction):
 * context = description + fewshot examples + doc_to_text; a multiple-choice continuation =
 * target_delimiter + choice; a loglikelihood continuation = the target as rendered; a rolling
 * text = the target. Documents are processed in split order from doc 0, since each one's fewshot
 * draw depends on the draws before it; {@code limit} keeps the first documents, as lm-eval's --limit.
 */
public final class RequestBuilder {
    private RequestBuilder() {
    }

    /**
     * @param evalDocs the documents of {@link TaskConfig#evalSplit()}, in order; their column names
     *     decide which doc_to_* strings are columns rather than templates
     * @param fewshotDocs the documents of {@link TaskConfig#fewshotSourceSplit()} (null when
     *     numFewshot is 0 or the task lists its fewshot samples inline)
     * @param numFewshot the number of examples (the task's num_fewshot unless --num-fewshot is given)
     * @param limit at most this many documents (0 or less: all)
     */
    public static List<DocRequest> build(TaskConfig task, List<Map<String, Object>> evalDocs,
                                         List<Map<String, Object>> fewshotDocs, int numFewshot, int limit) {
        if (evalDocs.isEmpty()) {
            throw new TaskConfigException(task.file() + ": split '" + task.evalSplit() + "' has no documents");
        }
        if (numFewshot < 0) {
            throw new TaskConfigException("num_fewshot must be >= 0, got " + numFewshot);
        }
        DocFields fields = new DocFields(task, evalDocs.get(0).keySet());
        FewshotSampler sampler = null;
        if (numFewshot > 0) {
            List<Map<String, Object>> pool = task.fewshotSamples() != null && task.fewshotSplit() == null ? task.fewshotSamples() : fewshotDocs;
            if (pool == null) {
                throw new TaskConfigException(task.file() + ": num_fewshot " + numFewshot + " needs the documents of split '"
                    + task.fewshotSourceSplit() + "'");
            }
            int need = FewshotSampler.drawSize(task, numFewshot);
            if (pool.size() < need) {
                throw new TaskConfigException(task.file() + ": num_fewshot " + numFewshot + " draws " + need
                    + " fewshot documents, but there are only " + pool.size());
            }
            sampler = new FewshotSampler(task, fields, pool);
        }
        int n = limit > 0 ? Math.min(limit, evalDocs.size()) : evalDocs.size();
        List<DocRequest> out = new ArrayList<>(n);
        for (int docId = 0; docId < n; docId++) {
            Map<String, Object> doc = evalDocs.get(docId);
            // Draw first, for every document, so one bad document cannot shift the others' examples.
            List<Map<String, Object>> drawn = sampler == null ? List.of() : sampler.draw(numFewshot);
            try {
                String examples = sampler == null ? "" : sampler.context(doc, drawn, numFewshot);
                out.add(requests(task, fields, docId, doc, examples));
            } catch (DocException e) {
                out.add(DocRequest.error(task.name(), docId, task.outputType(), e.code, e.getMessage()));
            }
        }
        return out;
    }

    private static DocRequest requests(TaskConfig task, DocFields fields, int docId, Map<String, Object> doc, String examples) {
        OutputType type = task.outputType();
        if (type == OutputType.LOGLIKELIHOOD_ROLLING) {
            String text = targetString(fields.target(doc));
            return new DocRequest(task.name(), docId, type, null, null, text, null, null, null, List.of(text), null, null);
        }
        String context = fields.description(doc) + examples + example(task, fields, doc);
        switch (type) {
            case MULTIPLE_CHOICE -> {
                List<String> choices = fields.choices(doc);
                List<String> continuations = choices.stream().map(c -> task.targetDelimiter() + c).toList();
                List<Integer> gold = gold(choices, fields.target(doc));
                return new DocRequest(task.name(), docId, type, context, continuations, null, null, choices, gold, null, null, null);
            }
            case LOGLIKELIHOOD -> {
                String target = targetString(fields.target(doc));
                return new DocRequest(task.name(), docId, type, context, List.of(target), null, null, null, null, List.of(target), null, null);
            }
            default -> {
                return new DocRequest(task.name(), docId, type, context, null, null, task.generation(), null, null,
                    references(task, fields, doc), null, null);
            }
        }
    }

    /** doc_to_text of the document being evaluated, as fewshot_context appends it. */
    private static String example(TaskConfig task, DocFields fields, Map<String, Object> doc) {
        Object text = fields.text(doc);
        if (text instanceof String s) {
            return s;
        }
        if (text instanceof Number && task.docToChoice() != null) {
            throw new DocException("UNSUPPORTED", "doc_to_text gave an integer with doc_to_choice set: lm-eval's "
                + "multiple-input form (one context per choice, winogrande-style) is not supported");
        }
        if (text instanceof List<?>) {
            throw new DocException("UNSUPPORTED", "doc_to_text gave a list (one context per choice) is not supported");
        }
        return DocFields.pyStr(text);
    }

    /** The gold choice index(es): an index, a choice's text, or a list of either (check_gold_index_error). */
    static List<Integer> gold(List<String> choices, Object target) {
        List<Integer> out = new ArrayList<>();
        for (Object t : target instanceof List<?> l ? l : List.of(target == null ? "None" : target)) {
            int i;
            if (t instanceof Number num && num.doubleValue() == Math.rint(num.doubleValue())) {
                i = num.intValue();
            } else if (t instanceof String s) {
                i = choices.indexOf(s);
            } else {
                i = -1;
            }
            if (i < 0 || i >= choices.size()) {
                throw new DocException("INVALID_TARGET", "target " + DocFields.pyStr(t) + " is not one of the "
                    + choices.size() + " choices (an index from 0, or a choice's text): " + choices);
            }
            out.add(i);
        }
        if (out.isEmpty()) {
            throw new DocException("INVALID_TARGET", "the target list is empty");
        }
        return out;
    }

    /** generate_until references: choices[target] when the task has choices, each item of a list, else str(target). */
    private static List<String> references(TaskConfig task, DocFields fields, Map<String, Object> doc) {
        Object target = fields.target(doc);
        if (task.docToChoice() != null && target instanceof Number) {
            List<String> choices = fields.choices(doc);
            return List.of(choices.get(gold(choices, target).get(0)));
        }
        if (target instanceof List<?> l) {
            return l.stream().map(DocFields::pyStr).toList();
        }
        return List.of(DocFields.pyStr(target));
    }

    private static String targetString(Object target) {
        if (target instanceof String s) {
            return s;
        }
        throw new DocException("INVALID_TARGET", "the target must be a string for this output type, got " + DocFields.pyStr(target));
    }
}
