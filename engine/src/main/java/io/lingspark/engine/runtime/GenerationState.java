package io.lingspark.engine.runtime;

import io.lingspark.engine.output.ParsedToolCalls;
import io.lingspark.engine.output.ReasoningParser;
import io.lingspark.engine.output.ReasoningSplit;
import io.lingspark.engine.output.ToolCallParser;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A generation request in flight: its n choices, listener, timings, and how the result is assembled. */
final class GenerationState extends RequestState {
    final int[] promptIds;
    final boolean startsInReasoning;
    final Engine.StreamListener listener;
    final CompletableFuture<GenerationResult> future = new CompletableFuture<>();
    long firstTokenNanos;

    GenerationState(String id, SamplingParams params, int[] promptIds, boolean startsInReasoning,
                    Engine.StreamListener listener, long submitNanos) {
        super(id, params, submitNanos);
        this.promptIds = promptIds;
        this.startsInReasoning = startsInReasoning;
        this.listener = listener;
    }

    @Override
    boolean answered() {
        return future.isDone();
    }

    @Override
    void fail(ErrorCode code, String message) {
        future.complete(GenerationResult.error(id, code, message, ms(System.nanoTime() - submitNanos)));
    }

    @Override
    void complete() {
        future.complete(result());
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
}
