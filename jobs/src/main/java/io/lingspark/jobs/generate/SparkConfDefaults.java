package io.lingspark.jobs.generate;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;

/**
 * Every option is also settable as {@code spark.lingspark.<option>} (e.g. spark.lingspark.max-tokens
 * in spark-defaults.conf or --conf). Under spark-submit those arrive as system properties, which
 * {@code new SparkConf()} reads; in an embedded run the active session's conf is used. The command
 * line wins over both.
 */
public final class SparkConfDefaults implements CommandLine.IDefaultValueProvider {
    public static final String PREFIX = "spark.lingspark.";

    @Override
    public String defaultValue(CommandLine.Model.ArgSpec arg) {
        if (!(arg instanceof CommandLine.Model.OptionSpec opt)) {
            return null;
        }
        String key = PREFIX + opt.longestName().replaceFirst("^--", "");
        var active = SparkSession.getActiveSession();
        if (active.isDefined() && active.get().conf().contains(key)) {
            return active.get().conf().get(key);
        }
        SparkConf conf = new SparkConf(true);
        return conf.contains(key) ? conf.get(key) : null;
    }
}
