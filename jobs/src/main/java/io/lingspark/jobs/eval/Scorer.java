package io.lingspark.jobs.eval;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Scores one document from the model's output, as lm-eval's ConfigurableTask.process_results does:
 * <ul>
 * <li>multiple_choice: pred = argmax(loglikelihoods) (numpy's: the first maximum, a NaN wins);
 * acc = pred is a gold index; acc_norm the same with loglikelihood / len(choice in UTF-8 bytes);
 * exact_match = the gold continuation is the greedy one;</li>
 * <li>loglikelihood: acc = is_greedy, perplexity from the loglikelihood;</li>
 * <li>loglikelihood_rolling: the loglikelihood with the target's words and bytes;</li>
 * <li>generate_until: the text is cut at the first occurrence of each {@code until} string (as
 * lm-eval's models do), then each filter pipeline runs and exact_match compares its output with
 * each reference (1 when any matches) after regexes_to_ignore, ignore_case, ignore_punctuation
 * (Python's string.punctuation) and ignore_numbers.</li>
 * </ul>
 */
public final class Scorer {
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    private static final Map<String, Pattern> IGNORED = new java.util.concurrent.ConcurrentHashMap<>();

    private Scorer() {
    }

    public static DocResult score(TaskConfig task, DocRequest request, ModelOutput output) {
        String target = request.isError() ? null : request.targetText();
        if (request.isError()) {
            return DocResult.error(task.name(), request.docId(), target, request.errorCode(), request.errorMessage());
        }
        if (output.errorCode() != null) {
            return DocResult.error(task.name(), request.docId(), target, output.errorCode(), output.errorMessage());
        }
        try {
            return switch (request.type()) {
                case MULTIPLE_CHOICE -> multipleChoice(task, request, output);
                case LOGLIKELIHOOD -> loglikelihood(task, request, output);
                case LOGLIKELIHOOD_ROLLING -> rolling(task, request, output);
                case GENERATE_UNTIL -> generated(task, request, output);
            };
        } catch (DocException e) {
            return DocResult.error(task.name(), request.docId(), target, e.code, e.getMessage());
        }
    }

    private static DocResult multipleChoice(TaskConfig task, DocRequest r, ModelOutput out) {
        int n = r.choices().size();
        if (out.choices().size() != n) {
            throw new DocException("MODEL_OUTPUT", "expected " + n + " choice loglikelihoods, got " + out.choices().size());
        }
        double[] lls = new double[n];
        double[] normed = new double[n];
        List<Double> kept = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            lls[i] = out.choices().get(i).loglikelihood();
            normed[i] = lls[i] / r.choices().get(i).getBytes(StandardCharsets.UTF_8).length;
            kept.add(lls[i]);
        }
        int pred = argmax(lls);
        int predNorm = argmax(normed);
        boolean greedyGold = r.gold().stream().anyMatch(g -> out.choices().get(g).isGreedy());
        Map<String, Double> scores = new LinkedHashMap<>();
        for (MetricSpec m : task.metrics()) {
            double v = switch (m.name()) {
                case "acc" -> r.gold().contains(pred) ? 1.0 : 0.0;
                case "acc_norm" -> r.gold().contains(predNorm) ? 1.0 : 0.0;
                case "exact_match" -> greedyGold ? 1.0 : 0.0;
                default -> throw new IllegalStateException(m.name());
            };
            scores.put(m.key(), v);
        }
        double confidence = softmax(lls)[pred];
        return new DocResult(task.name(), r.docId(), scores, r.choices().get(pred), r.targetText(), null, kept,
            Double.isNaN(confidence) ? null : confidence, r.gold().contains(pred), null, null, null, null, null);
    }

    private static DocResult loglikelihood(TaskConfig task, DocRequest r, ModelOutput out) {
        if (out.choices().size() != 1) {
            throw new DocException("MODEL_OUTPUT", "expected one loglikelihood, got " + out.choices().size());
        }
        double ll = out.choices().get(0).loglikelihood();
        boolean greedy = out.choices().get(0).isGreedy();
        Map<String, Double> scores = new LinkedHashMap<>();
        for (MetricSpec m : task.metrics()) {
            scores.put(m.key(), m.name().equals("acc") ? (greedy ? 1.0 : 0.0) : Math.exp(-ll));
        }
        return new DocResult(task.name(), r.docId(), scores, null, r.targetText(), null, null, null, null, ll, null, null, null, null);
    }

    private static DocResult rolling(TaskConfig task, DocRequest r, ModelOutput out) {
        if (out.rollingLoglikelihood() == null) {
            throw new DocException("MODEL_OUTPUT", "no rolling loglikelihood");
        }
        double ll = out.rollingLoglikelihood();
        long words = countWords(r.rollingText());
        long bytes = r.rollingText().getBytes(StandardCharsets.UTF_8).length;
        Map<String, Double> scores = new LinkedHashMap<>();
        for (MetricSpec m : task.metrics()) {
            double v = switch (m.name()) {
                case "word_perplexity" -> Math.exp(-ll / words);
                case "byte_perplexity" -> Math.exp(-ll / bytes);
                case "bits_per_byte" -> -ll / bytes / Math.log(2);
                default -> throw new IllegalStateException(m.name());
            };
            scores.put(m.key(), v);
        }
        return new DocResult(task.name(), r.docId(), scores, null, r.targetText(), null, null, null, null, ll, words, bytes, null, null);
    }

    /** lm-eval's count_words: len(re.split(r"\s+", doc)), empty pieces at either end included. */
    static long countWords(String text) {
        return WHITESPACE.split(text, -1).length;
    }

    private static DocResult generated(TaskConfig task, DocRequest r, ModelOutput out) {
        if (out.text() == null) {
            throw new DocException("MODEL_OUTPUT", "no generated text");
        }
        String text = cutAtStops(out.text(), r.generation().until());
        Map<String, Double> scores = new LinkedHashMap<>();
        Map<String, String> filtered = new LinkedHashMap<>();
        for (FilterSpec f : task.filters()) {
            String response = f.apply(text);
            filtered.put(f.name(), response);
            for (MetricSpec m : f.metrics()) {
                boolean any = r.targets().stream().anyMatch(ref -> exactMatch(m, response, ref));
                scores.put(m.key(), any ? 1.0 : 0.0);
            }
        }
        String prediction = filtered.values().iterator().next();
        return new DocResult(task.name(), r.docId(), scores, prediction, r.targetText(), filtered, null, null, null, null, null, null, null, null);
    }

    /** s.split(term)[0] for each non-empty until term, in order. */
    static String cutAtStops(String text, List<String> until) {
        String s = text;
        for (String term : until) {
            int i = term.isEmpty() ? -1 : s.indexOf(term);
            if (i >= 0) {
                s = s.substring(0, i);
            }
        }
        return s;
    }

    /** exact_match_hf_evaluate for one prediction and one reference. */
    static boolean exactMatch(MetricSpec m, String prediction, String reference) {
        String p = prediction;
        String ref = reference;
        for (String regex : m.regexesToIgnore()) {
            Pattern pattern = IGNORED.computeIfAbsent(regex, x -> PyRegex.compile("", x));
            p = pattern.matcher(p).replaceAll("");
            ref = pattern.matcher(ref).replaceAll("");
        }
        if (m.ignoreCase()) {
            p = p.toLowerCase(java.util.Locale.ROOT);
            ref = ref.toLowerCase(java.util.Locale.ROOT);
        }
        if (m.ignorePunctuation()) {
            p = remove(p, PUNCTUATION);
            ref = remove(ref, PUNCTUATION);
        }
        if (m.ignoreNumbers()) {
            p = remove(p, "0123456789");
            ref = remove(ref, "0123456789");
        }
        return p.equals(ref);
    }

    private static String remove(String s, String chars) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) < 0) {
                sb.append(s.charAt(i));
            }
        }
        return sb.toString();
    }

    /** numpy.argmax: the first maximum; the first NaN if there is one. */
    static int argmax(double[] xs) {
        int best = 0;
        for (int i = 0; i < xs.length; i++) {
            if (Double.isNaN(xs[i])) {
                return i;
            }
            if (xs[i] > xs[best]) {
                best = i;
            }
        }
        return best;
    }

    /** lm-eval's utils.softmax: exp(x - max) / sum. */
    static double[] softmax(double[] xs) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : xs) {
            max = Math.max(max, x);
        }
        double[] e = new double[xs.length];
        double sum = 0;
        for (int i = 0; i < xs.length; i++) {
            e[i] = Math.exp(xs[i] - max);
            sum += e[i];
        }
        for (int i = 0; i < xs.length; i++) {
            e[i] /= sum;
        }
        return e;
    }
}
