package io.lingspark.jobs;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local filesystem under the scheme {@code fault://}, failing on purpose: the files Spark's
 * tasks write ({@code part-*}) fail their first write with "No space left on device" (a full disk),
 * or, with {@link #errorOn} set, looking at a path that contains it throws {@link #error} (on the
 * driver: the output's checks). Register it with {@link #register}; paths are
 * {@code fault:///absolute/path}.
 */
public final class FaultFileSystem extends LocalFileSystemAs {
    public static final String SCHEME = "fault";
    /** When set, getFileStatus of a path containing this throws {@link #error}. */
    public static volatile String errorOn;
    public static volatile Error error;

    public FaultFileSystem() {
        super(SCHEME);
    }

    public static void register(Configuration conf) {
        register(conf, SCHEME, FaultFileSystem.class);
    }

    public static String uri(java.nio.file.Path local) {
        return uri(SCHEME, local);
    }

    private static void maybeFail(Path f) {
        String on = errorOn;
        if (on != null && f.toUri().getPath().contains(on)) {
            throw error;
        }
    }

    @Override
    public boolean exists(Path f) throws IOException {
        maybeFail(f);
        return super.exists(f);
    }

    @Override
    public org.apache.hadoop.fs.FileStatus getFileStatus(Path f) throws IOException {
        maybeFail(f);
        return super.getFileStatus(f);
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
                                     short replication, long blockSize, Progressable progress) throws IOException {
        return full(f, super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress));
    }

    @Override
    public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
                                     Progressable progress) throws IOException {
        return full(f, super.create(f, overwrite, bufferSize, replication, blockSize, progress));
    }

    @Override
    public FSDataOutputStream createNonRecursive(Path f, FsPermission permission,
                                                 java.util.EnumSet<org.apache.hadoop.fs.CreateFlag> flags, int bufferSize,
                                                 short replication, long blockSize, Progressable progress) throws IOException {
        return full(f, super.createNonRecursive(f, permission, flags, bufferSize, replication, blockSize, progress));
    }

    /** A task's output file gets a stream whose every write fails as on a full disk. */
    private static FSDataOutputStream full(Path f, FSDataOutputStream real) throws IOException {
        if (!f.getName().startsWith("part-")) {
            return real;
        }
        real.close();
        return new FSDataOutputStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw new IOException("No space left on device");
            }
        }, null);
    }
}
