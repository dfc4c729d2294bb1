package io.lingspark.jobs;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local filesystem under a scheme of a test's own ({@code scheme:///absolute/path}): to the code
 * under test a non-local Hadoop filesystem, which a subclass can make fail or record.
 */
public abstract class LocalFileSystemAs extends RawLocalFileSystem {
    private final String scheme;

    protected LocalFileSystemAs(String scheme) {
        this.scheme = scheme;
    }

    /** Registers the subclass for its scheme, uncached so that every test gets a fresh instance. */
    protected static void register(Configuration conf, String scheme, Class<? extends LocalFileSystemAs> type) {
        conf.set("fs." + scheme + ".impl", type.getName());
        conf.setBoolean("fs." + scheme + ".impl.disable.cache", true);
    }

    protected static String uri(String scheme, java.nio.file.Path local) {
        return scheme + "://" + local.toAbsolutePath();
    }

    @Override
    public URI getUri() {
        return URI.create(scheme + ":///");
    }

    @Override
    public String getScheme() {
        return scheme;
    }

    @Override
    public void initialize(URI uri, Configuration conf) throws IOException {
        super.initialize(uri, conf);
        setConf(conf);
    }
}
