package io.lingspark.engine.chat;

/**
 * A chat template went over one of its {@link JinjaLimits} (size, depth, iterations, time). Unlike
 * raise_exception, such a failure rarely depends on the conversation, so a model check that hits it
 * on a one-message conversation refuses the model.
 */
public class TemplateLimitException extends TemplateException {
    public TemplateLimitException(String message) {
        super(message);
    }
}
