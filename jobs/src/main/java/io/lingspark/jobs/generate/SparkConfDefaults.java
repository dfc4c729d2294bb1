package io.lingspark.jobs.generate;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;

/**
 * Every option is also settable as {@code spark.lingspark.<option>} (e.g. spark.lingspark.max-tokens
 * in spark-defaults.conf or --conf). Under spark-submit those arrive as system properties (what
 * {@code new SparkConf()} reads, read here directly); in an embedded run the active session's conf is
 * used. The command line wins over both.
 */
public final class SparkConfDefaults implements CommandLine.IDefaultValueProvider {
    public static final String PREFIX = "spark.lingspark.";

    /**
     * Whether a Spark session may be active in this JVM. A process started as the command line has none
     * before its options are parsed, and looking for one would load and initialise Spark's, Scala's and
     * log4j's classes: seconds of a cold start that a mistyped input path should not wait for.
     */
    private static volatile boolean sessionPossible = true;

    /** Called by the command-line entry points (bin/lingspark, spark-submit's main class) first thing. */
    public static void noSessionYet() {
        sessionPossible = false;
    }

    @Override
    public String defaultValue(CommandLine.Model.ArgSpec arg) {
        if (!(arg instanceof CommandLine.Model.OptionSpec opt)) {
            return null;
        }
        String key = PREFIX + opt.longestName().replaceFirst("^--", "");
        if (sessionPossible) {
            var active = SparkSession.getActiveSession();
            if (active.isDefined() && active.get().conf().contains(key)) {
                return active.get().conf().get(key);
            }
        }
        return System.getProperty(key);
    }
}
