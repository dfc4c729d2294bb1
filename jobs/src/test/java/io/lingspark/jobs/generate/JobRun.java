package io.lingspark.jobs.generate;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine;

/** One generate job run in this JVM (as bin/lingspark runs it), with its exit code and what it printed on stderr. */
record JobRun(int code, String err, GenerateJob job) {
    private static final Object ERR = new Object();

    /** Runs the job; stderr is captured (and echoed), so only one captured run at a time. */
    static JobRun of(List<String> args) {
        synchronized (ERR) {
            PrintStream err = System.err;
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
            GenerateJob job = new GenerateJob();
            int code;
            try {
                code = new CommandLine(job).execute(args.toArray(String[]::new));
            } finally {
                System.setErr(err);
            }
            String text = buf.toString(StandardCharsets.UTF_8);
            System.err.print(text);
            return new JobRun(code, text, job);
        }
    }

    /** The lines the job itself printed ("lingspark generate: ..."), not Spark's log. */
    List<String> ownLines() {
        return err.lines().filter(l -> l.startsWith("lingspark generate:")).toList();
    }
}
