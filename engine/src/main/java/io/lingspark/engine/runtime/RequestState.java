package io.lingspark.engine.runtime;

import io.lingspark.engine.output.ParsedToolCalls;
import io.lingspark.engine.output.ReasoningParser;
import io.lingspark.engine.output.ReasoningSplit;
import io.lingspark.engine.output.ToolCallParser;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** One request in flight: its choices, listener, timings, and how the result is assembled. */
final class RequestState {
    final String id;
    final SamplingParams params;
    final int[] promptIds;
    final boolean startsInReasoning;
    final Engine.StreamListener listener;
    final CompletableFuture<GenerationResult> future = new CompletableFuture<>();
    final long submitNanos;
    long firstTokenNanos;
    final List<Sequence> choices = new ArrayList<>();
    private int done;

    RequestState(String id, SamplingParams params, int[] promptIds, boolean startsInReasoning,
                 Engine.StreamListener listener, long submitNanos) {
        this.id = id;
        this.params = params;
        this.promptIds = promptIds;
        this.startsInReasoning = startsInReasoning;
        this.listener = listener;
        this.submitNanos = submitNanos;
    }

    /** Called when one choice finished; true once every choice has. */
    boolean choiceDone() {
        return ++done == choices.size();
    }

    boolean failed() {
        return future.isDone();
    }

    void fail(ErrorCode code, String message) {
        future.complete(GenerationResult.error(id, code, message, ms(System.nanoTime() - submitNanos)));
    }

    /** Reasoning split, then tool-call parsing, per choice. */
    GenerationResult result() {
        long now = System.nanoTime();
        List<CompletionChoice> out = new ArrayList<>();
        for (Sequence s : choices) {
            ReasoningSplit rs = ReasoningParser.split(s.text(), startsInReasoning);
            ParsedToolCalls tc = ToolCallParser.parse(rs.content());
            String finish = tc.toolCalls().isEmpty() ? s.finishReason : "tool_calls";
            String content = tc.content();
            String parsed = null;
            ErrorCode outputError = null;
            if (s.grammar != null) {
                // The final check is on the answer text itself, so a stop string that cut it, or anything the
                // parsers took out, cannot put an incomplete answer into parsed.
                if (s.grammar.matches(content)) {
                    parsed = content;
                } else {
                    outputError = ErrorCode.INCOMPLETE_OUTPUT;
                }
            }
            out.add(new CompletionChoice(s.choice, content, rs.reasoningContent(), tc.toolCalls(), finish,
                s.sampled, s.generatedIds(), s.logprobs == null ? null : List.copyOf(s.logprobs), tc.parseError(),
                parsed, outputError));
        }
        double ttft = firstTokenNanos == 0 ? 0 : ms(firstTokenNanos - submitNanos);
        int cached = choices.stream().mapToInt(s -> s.cachedTokens).sum();
        return new GenerationResult(id, List.copyOf(out), promptIds.length, null, null, ttft, ms(now - submitNanos), cached);
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }
}
