package io.lingspark.jobs.progress;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.UnsupportedFileSystemException;

/**
 * Where the status file lives, and how a whole document replaces the last one there so that a
 * reader never sees half of it. In cluster deploy mode the driver's disk is a container nobody else
 * can read, so any Hadoop filesystem is accepted:
 * <ul>
 * <li>a plain path or {@code file:}: a temporary file beside it, atomically moved over it;</li>
 * <li>HDFS and other filesystems with rename: the same, through the Hadoop API (rename with
 * overwrite where the filesystem has it, else the old file is deleted just before the rename);</li>
 * <li>object stores (s3a, gs, abfs, ...: {@value #OBJECT_STORES_KEY}): one create of the whole
 * document, which is a single PUT and atomic there; their "rename" is a copy and is not.</li>
 * </ul>
 */
abstract class StatusTarget {
    static final String OBJECT_STORES_KEY = "lingspark.status-file.object-store-schemes";
    static final String OBJECT_STORES = "s3a,s3,s3n,gs,wasb,wasbs,abfs,abfss,oss,cosn,obs";

    /** Writes the whole document in place of the last one. */
    abstract void write(byte[] doc) throws IOException;

    /** How a document is replaced here: "move", "rename" or "put" (for tests and messages). */
    abstract String mode();

    /**
     * Resolves a --status-file value; a scheme no filesystem serves (or a malformed URI) is an
     * IllegalArgumentException, so the job can refuse it as a usage error before it starts.
     */
    static StatusTarget of(String location, Configuration conf) {
        URI uri;
        try {
            uri = new URI(location);
        } catch (URISyntaxException e) {
            uri = null; // a local path with characters a URI does not allow
        }
        if (uri == null || uri.getScheme() == null || uri.getScheme().length() == 1) { // C:\... is local
            return new Local(Paths.get(location));
        }
        if (uri.getScheme().equals("file")) {
            // file:/abs, file:///abs, and file:relative (an opaque URI, no path)
            return new Local(Paths.get(uri.getPath() != null ? uri.getPath() : uri.getSchemeSpecificPart()));
        }
        Path path = new Path(uri);
        FileSystem fs;
        try {
            fs = path.getFileSystem(conf);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("--status-file " + location + ": no filesystem for it: " + e.getMessage(), e);
        }
        Set<String> stores = Arrays.stream(conf.get(OBJECT_STORES_KEY, OBJECT_STORES).split(","))
            .map(s -> s.trim().toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        return stores.contains(uri.getScheme().toLowerCase(Locale.ROOT)) ? new Put(fs, path) : new Rename(fs, path, conf);
    }

    private static final class Local extends StatusTarget {
        private final java.nio.file.Path path;

        Local(java.nio.file.Path path) {
            this.path = path;
        }

        @Override
        void write(byte[] doc) throws IOException {
            java.nio.file.Path parent = path.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            java.nio.file.Path tmp = Files.createTempFile(parent, ".status", ".tmp");
            try {
                Files.write(tmp, doc);
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }

        @Override
        String mode() {
            return "move";
        }
    }

    private static final class Rename extends StatusTarget {
        private final FileSystem fs;
        private final Path path;
        /** null: a FileSystem with no FileContext binding, renamed by hand (see replace) */
        private final FileContext fc;

        Rename(FileSystem fs, Path path, Configuration conf) {
            this.fs = fs;
            this.path = fs.makeQualified(path);
            FileContext c;
            try {
                c = FileContext.getFileContext(this.path.toUri(), conf);
            } catch (UnsupportedFileSystemException e) {
                c = null;
            }
            this.fc = c;
        }

        @Override
        void write(byte[] doc) throws IOException {
            // beside the target, so the rename stays inside one directory (and one HDFS namespace)
            Path tmp = new Path(path.getParent(), "." + path.getName() + "." + UUID.randomUUID() + ".tmp");
            try (OutputStream out = fs.create(tmp, false)) {
                out.write(doc);
            }
            try {
                replace(tmp);
            } finally {
                if (fs.exists(tmp)) {
                    fs.delete(tmp, false);
                }
            }
        }

        private void replace(Path tmp) throws IOException {
            if (fc != null) {
                fc.rename(tmp, path, Options.Rename.OVERWRITE); // atomic on HDFS
                return;
            }
            if (!fs.rename(tmp, path)) {
                // FileSystem.rename does not replace an existing file: the reader may miss the file
                // for this moment (a sensor retries), but never sees half a document.
                fs.delete(path, false);
                if (!fs.rename(tmp, path)) {
                    throw new IOException("cannot rename " + tmp + " to " + path);
                }
            }
        }

        @Override
        String mode() {
            return "rename";
        }
    }

    private static final class Put extends StatusTarget {
        private final FileSystem fs;
        private final Path path;

        Put(FileSystem fs, Path path) {
            this.fs = fs;
            this.path = path;
        }

        @Override
        void write(byte[] doc) throws IOException {
            // An object store makes the object visible when the stream closes, whole or not at all.
            try (OutputStream out = fs.create(path, true)) {
                out.write(doc);
            }
        }

        @Override
        String mode() {
            return "put";
        }
    }
}
