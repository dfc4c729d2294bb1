package io.lingspark.engine.chat;

import java.util.Set;

/**
 * The message roles a Ling chat template renders. Any other role would be dropped by the template
 * without a word, so every entry point (the engine's prompt builder, the jobs' row parser, the SQL
 * functions) refuses it with this one list.
 */
public final class ChatRoles {
    public static final Set<String> ALL = Set.of("system", "user", "assistant", "tool");
    /** For messages: "system, user, assistant, tool". */
    public static final String LISTED = "system, user, assistant, tool";

    private ChatRoles() {
    }

    public static boolean known(Object role) {
        return role instanceof String s && ALL.contains(s);
    }
}
