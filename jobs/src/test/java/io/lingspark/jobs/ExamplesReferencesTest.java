package io.lingspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The examples, the Airflow DAG and the Dockerfile name only files that exist: repository paths are in the
 * repository, the jar is the one the build makes, and every /opt/lingspark path is one the image has.
 */
class ExamplesReferencesTest {
    private static final Path ROOT = Path.of("..");
    private static final Pattern REPO_PATH = Pattern.compile(
        "(?<![\\w/.])(?:\\./)?((?:examples|conf|bin|jobs/target|engine/target)/[A-Za-z0-9_.\\-/]*[A-Za-z0-9_\\-])");
    private static final Pattern IMAGE_PATH = Pattern.compile("/opt/lingspark/([A-Za-z0-9_.\\-/]*[A-Za-z0-9_\\-])");

    @Test
    void repositoryPathsExist() throws IOException {
        List<String> missing = new ArrayList<>();
        for (Path f : userFiles()) {
            for (String p : matches(REPO_PATH, Files.readString(f))) {
                if (p.startsWith("jobs/target/") || p.startsWith("engine/target/")) {
                    if (p.endsWith(".jar") && !p.equals(shadedJar()) && !p.equals(thinJar(p))) {
                        missing.add(f + ": " + p + " (the build makes " + shadedJar() + ")");
                    }
                } else if (!Files.exists(ROOT.resolve(p))) {
                    missing.add(f + ": " + p);
                }
            }
        }
        assertEquals(List.of(), missing);
    }

    @Test
    void imagePathsAreWhatTheDockerfileCopies() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        assertTrue(dockerfile.contains("ARG LINGSPARK_JAR=" + shadedJar() + "\n"), "the Dockerfile copies the jar the build makes");
        Matcher copy = Pattern.compile("(?m)^COPY (\\S+) /opt/lingspark/(\\S*)$").matcher(dockerfile);
        List<String[]> copies = new ArrayList<>();
        while (copy.find()) {
            copies.add(new String[] {copy.group(1), copy.group(2)});
            if (!copy.group(1).startsWith("$")) {
                assertTrue(Files.exists(ROOT.resolve(copy.group(1))), "COPY source " + copy.group(1));
            }
        }
        List<String> missing = new ArrayList<>();
        for (Path f : userFiles()) {
            if (f.endsWith("Dockerfile")) {
                continue; // it defines them
            }
            for (String p : matches(IMAGE_PATH, Files.readString(f))) {
                boolean found = false;
                for (String[] c : copies) {
                    if (p.equals(c[1])) {
                        found = true; // the file itself (the jar)
                    } else if (c[1].endsWith("/") && p.startsWith(c[1])) {
                        found = Files.exists(ROOT.resolve(c[0]).resolve(p.substring(c[1].length())));
                    }
                    if (found) {
                        break;
                    }
                }
                if (!found) {
                    missing.add(f + ": /opt/lingspark/" + p);
                }
            }
        }
        assertEquals(List.of(), missing);
    }

    /** jobs/target/lingspark-jobs-VERSION-shaded.jar, as jobs/pom.xml's shade plugin names it. */
    static String shadedJar() throws IOException {
        return "jobs/target/lingspark-jobs-" + version() + "-shaded.jar";
    }

    private static String thinJar(String p) throws IOException {
        String module = p.substring(0, p.indexOf('/'));
        return module + "/target/lingspark-" + module + "-" + version() + ".jar";
    }

    private static String version() throws IOException {
        Matcher m = Pattern.compile("<artifactId>lingspark-parent</artifactId>\\s*<version>([^<]+)</version>")
            .matcher(Files.readString(ROOT.resolve("pom.xml")));
        assertTrue(m.find(), "the parent pom's version");
        return m.group(1);
    }

    private static Set<String> matches(Pattern p, String text) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** What users copy and run: examples/ (scripts, DAG, SQL), bin/, conf/ scripts and the Dockerfile. */
    private static List<Path> userFiles() throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(ROOT.resolve("examples"))) {
            s.filter(Files::isRegularFile).filter(p -> p.toString().matches(".*\\.(sh|py|sql|md|yaml)$")).forEach(out::add);
        }
        out.add(ROOT.resolve("Dockerfile"));
        out.add(ROOT.resolve("conf/gpu-discovery.sh"));
        out.add(ROOT.resolve("bin/lingspark"));
        return out;
    }
}
