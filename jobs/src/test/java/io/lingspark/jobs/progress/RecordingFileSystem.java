package io.lingspark.jobs.progress;

import io.lingspark.jobs.LocalFileSystemAs;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local filesystem under the scheme {@code statusfs://}, a non-local Hadoop filesystem as far
 * as the status file can tell, recording the creates and renames made on it.
 */
public final class RecordingFileSystem extends LocalFileSystemAs {
    public static final String SCHEME = "statusfs";
    /** "create NAME" and "rename FROM TO" (file names only), in order. */
    public static final List<String> OPS = new CopyOnWriteArrayList<>();

    public RecordingFileSystem() {
        super(SCHEME);
    }

    public static void register(Configuration conf) {
        register(conf, SCHEME, RecordingFileSystem.class);
    }

    public static String uri(java.nio.file.Path local) {
        return uri(SCHEME, local);
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
                                     short replication, long blockSize, Progressable progress) throws IOException {
        OPS.add("create " + f.getName() + (overwrite ? " overwrite" : ""));
        return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
    }

    @Override
    public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
                                     Progressable progress) throws IOException {
        OPS.add("create " + f.getName() + (overwrite ? " overwrite" : ""));
        return super.create(f, overwrite, bufferSize, replication, blockSize, progress);
    }

    @Override
    public boolean rename(Path src, Path dst) throws IOException {
        OPS.add("rename " + src.getName() + " " + dst.getName());
        return super.rename(src, dst);
    }
}
