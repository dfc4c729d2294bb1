/**
 * What every command shares, the engine's and the Spark jobs': exit codes and the picocli option
 * mixins (engine, sampling), so that an option has one name and one default everywhere and
 * {@code generate} reaches every engine knob. Both modules may import this package; the jobs module
 * never imports {@code engine.cli}, which holds the engine's own commands.
 */
package io.lingspark.engine.command;
