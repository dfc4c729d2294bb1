/**
 * The step data contract between the scheduler and the model runner ({@link io.lingspark.engine.step.ForwardBatch}):
 * plain data that the model and the backends read. It sits below {@code model} and {@code backend}
 * (not in {@code runtime}, which owns the scheduler) so that those packages can take it without a cycle.
 */
package io.lingspark.engine.step;
