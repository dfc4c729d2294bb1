package io.lingspark.engine.chat;

import java.util.concurrent.TimeUnit;

/**
 * What one chat template may cost. A template comes with the checkpoint, so it is untrusted input:
 * without bounds {@code range(10**12)}, {@code 'a' * 10**10} or a macro calling itself runs until the
 * JVM is out of memory or stack. Every bound is far above what real chat templates need (the Ling
 * templates render a 100-message conversation with tools in well under 1 % of each), and going over
 * one is a {@link TemplateLimitException} naming it, so the row becomes a TEMPLATE_ERROR.
 *
 * @param maxSourceChars template source length
 * @param maxNesting     blocks inside blocks and brackets inside brackets while parsing
 * @param maxDepth       nested evaluation while rendering (an operator chain of n terms is n deep),
 *                       and nesting of the data a template prints or compares
 * @param maxMacroDepth  macro calls in progress at once (recursion)
 * @param maxIterations  for-loop iterations and macro calls per render, all loops together
 * @param maxChars       length of any string a template builds, the rendered text included
 * @param maxItems       length of any list a template builds (range(), repetition, concatenation, ...)
 * @param maxAllocation  what a render may build in all, in units of a char (a list item counts 2, a list 8
 *                       more): about 256 MiB of heap at most, which bounds what a loop can retain
 * @param maxNanos       wall time of one render
 */
record JinjaLimits(int maxSourceChars, int maxNesting, int maxDepth, int maxMacroDepth, long maxIterations,
                   long maxChars, long maxItems, long maxAllocation, long maxNanos) {

    // Nesting and depth fit a 512 KiB thread stack (a JVM thread has 1 MiB by default); on a smaller stack a
    // StackOverflowError is still caught and reported as a TemplateException.
    static final JinjaLimits DEFAULT = new JinjaLimits(1 << 20, 100, 500, 40, 1_000_000, 1L << 24, 1L << 20,
        1L << 27, TimeUnit.SECONDS.toNanos(10));

    JinjaLimits withMaxNanos(long nanos) {
        return new JinjaLimits(maxSourceChars, maxNesting, maxDepth, maxMacroDepth, maxIterations, maxChars, maxItems,
            maxAllocation, nanos);
    }
}
