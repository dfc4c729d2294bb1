package io.lingspark.jobs.input;

/**
 * Column names of the canonical request frame every input format is turned into. Everything but the
 * id is a string (JSON for messages, tools and params) so one executor-side parser handles every
 * format, and a malformed value becomes an error row instead of a read failure.
 */
public final class Canonical {
    public static final String ID = "_ls_id";
    public static final String PROMPT = "_ls_prompt";
    public static final String MESSAGES = "_ls_messages";
    public static final String TOOLS = "_ls_tools";
    public static final String PARAMS = "_ls_params";
    /** The raw text of a JSONL line that did not parse (null otherwise). */
    public static final String CORRUPT = "_ls_corrupt";

    private Canonical() {
    }
}
