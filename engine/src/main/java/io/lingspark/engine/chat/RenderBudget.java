package io.lingspark.engine.chat;

import java.util.Locale;

/**
 * The running costs of one render against its {@link JinjaLimits}. The renderer counts depth,
 * iterations and macro calls itself; filters, methods and operators (static code far from the
 * renderer) reach the render on their thread through {@link #current()} to check the size of what
 * they are about to build before building it, and to charge it to the render's allocation budget.
 * Outside a render only the default size limits apply.
 */
final class RenderBudget {
    private static final ThreadLocal<RenderBudget> CURRENT = new ThreadLocal<>();
    /** The clock is read every this many steps: a step is cheap, System.nanoTime is not free. */
    private static final int CLOCK_EVERY = 256;

    final JinjaLimits limits;
    private final long start = System.nanoTime();
    private final RenderBudget previous;
    private long steps;
    private long iterations;
    private long allocated;
    private int depth;
    private int macroDepth;

    private RenderBudget(JinjaLimits limits, RenderBudget previous) {
        this.limits = limits;
        this.previous = previous;
    }

    /** Starts a render on this thread; {@link #end()} it in a finally block. */
    static RenderBudget begin(JinjaLimits limits) {
        RenderBudget b = new RenderBudget(limits, CURRENT.get());
        CURRENT.set(b);
        return b;
    }

    void end() {
        if (previous == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(previous);
        }
    }

    static RenderBudget current() {
        return CURRENT.get();
    }

    private static JinjaLimits limits() {
        RenderBudget b = CURRENT.get();
        return b == null ? JinjaLimits.DEFAULT : b.limits;
    }

    static TemplateLimitException over(String what, long limit) {
        return new TemplateLimitException(String.format(Locale.ROOT, "chat template over its limit: %s (limit %,d)", what, limit));
    }

    // --- the renderer's counters ---

    /** One level deeper in evaluation (an expression inside an expression, a block inside a block). */
    void enter() {
        if (++depth > limits.maxDepth()) {
            throw over("expressions and blocks nested too deep", limits.maxDepth());
        }
        step();
    }

    void exit() {
        depth--;
    }

    void enterMacro(String name) {
        if (++macroDepth > limits.maxMacroDepth()) {
            throw over("macro '" + name + "' calls nested too deep (recursion)", limits.maxMacroDepth());
        }
        iteration();
    }

    void exitMacro() {
        macroDepth--;
    }

    /** One for-loop iteration (or one macro call). */
    void iteration() {
        if (++iterations > limits.maxIterations()) {
            throw over("too many loop iterations and macro calls in one render", limits.maxIterations());
        }
        step();
    }

    /** One unit of work: every so often the clock is checked against the render's time limit. */
    void step() {
        if (++steps % CLOCK_EVERY == 0 && System.nanoTime() - start > limits.maxNanos()) {
            throw over("render took longer than " + limits.maxNanos() / 1_000_000 + " ms", limits.maxNanos() / 1_000_000);
        }
    }

    private void charge(long units) {
        allocated += units;
        if (allocated > limits.maxAllocation()) {
            throw over("built more strings and lists than one render may (chars and list items in all)", limits.maxAllocation());
        }
    }

    // --- checks for filters, methods and operators ---

    /** A unit of work in a builtin's inner loop (quadratic ones: comparisons, membership). */
    static void tick() {
        RenderBudget b = CURRENT.get();
        if (b != null) {
            b.step();
        }
    }

    /** A string of n chars is about to be built: checked and charged. */
    static void chars(long n) {
        checkChars(n);
        RenderBudget b = CURRENT.get();
        if (b != null) {
            b.charge(n);
        }
    }

    /** A string being built has reached n chars (checked as it grows; charge the result with {@link #chars}). */
    static void checkChars(long n) {
        long max = limits().maxChars();
        if (n > max) {
            throw over(String.format(Locale.ROOT, "a string of %,d chars", n), max);
        }
    }

    /** A list being built has reached n items (checked as it grows; charge the result with {@link #items}). */
    static void checkItems(long n) {
        long max = limits().maxItems();
        if (n > max) {
            throw over(String.format(Locale.ROOT, "a list of %,d items", n), max);
        }
    }

    /** A list of n items is about to be built: checked and charged. */
    static void items(long n) {
        checkItems(n);
        RenderBudget b = CURRENT.get();
        if (b != null) {
            b.charge(2 * n + 8); // a reference is about twice a char; a list has a header
        }
    }

    /** Data nested depth levels deep is being printed or compared. */
    static void dataDepth(int depth) {
        int max = limits().maxDepth();
        if (depth > max) {
            throw over("data nested more than " + max + " levels deep", max);
        }
    }
}
