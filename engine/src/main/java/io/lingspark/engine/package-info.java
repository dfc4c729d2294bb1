/** The Ling inference engine: checkpoint loading, model, backends, runtime. No Spark dependency. */
package io.lingspark.engine;
