package io.lingspark.jobs.output;

import org.apache.spark.sql.execution.datasources.SQLHadoopMapReduceCommitProtocol;

/**
 * Stands in for the S3A committers' commit protocol (spark-hadoop-cloud's PathOutputCommitProtocol, which is
 * not on Maven Central for Spark 4.1): the same refusal of dynamic partition overwrite, on any filesystem.
 */
public class NoDynamicOverwriteCommitProtocol extends SQLHadoopMapReduceCommitProtocol {
    private static final long serialVersionUID = 1L;

    public NoDynamicOverwriteCommitProtocol(String jobId, String path, boolean dynamicPartitionOverwrite) {
        super(jobId, path, dynamicPartitionOverwrite);
        if (dynamicPartitionOverwrite) {
            // PathOutputCommitProtocol's own words
            throw new UnsupportedOperationException("PathOutputCommitProtocol does not support dynamicPartitionOverwrite");
        }
    }
}
