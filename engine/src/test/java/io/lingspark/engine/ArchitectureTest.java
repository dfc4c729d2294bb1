package io.lingspark.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lingspark.engine.backend.Backend;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine's package structure, read from its compiled classes (every class a class file names in
 * its constant pool, so fully qualified uses count as much as imports): no Spark anywhere in the
 * engine; the backends know nothing of the model, the runtime or the commands; and no two packages
 * depend on each other, directly or through others (the graph of packages is acyclic).
 */
class ArchitectureTest {
    private static final Pattern CLASS_REF = Pattern.compile("L?((?:io/lingspark|org/apache/spark)/[A-Za-z0-9_/$]+)");
    /** package → packages its classes reference (engine packages only, and org.apache.spark). */
    static final Map<String, Set<String>> DEPS = new TreeMap<>();

    @BeforeAll
    static void scan() throws Exception {
        Path classes = Path.of(Backend.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String cls = classes.relativize(f).toString().replace('\\', '/').replaceAll("\\.class$", "");
                String pkg = packageOf(cls);
                Set<String> out = DEPS.computeIfAbsent(pkg, k -> new TreeSet<>());
                try (InputStream in = Files.newInputStream(f)) {
                    for (String ref : referencedClasses(in)) {
                        String rp = packageOf(ref);
                        if (!rp.equals(pkg)) {
                            out.add(rp);
                        }
                    }
                }
            }
        }
        assertTrue(DEPS.containsKey("io.lingspark.engine.backend.cpu") && DEPS.containsKey("io.lingspark.engine.runtime"),
            "found the engine's classes in " + classes + ": " + DEPS.keySet());
    }

    static String packageOf(String internalName) {
        String n = internalName.contains("$") ? internalName.substring(0, internalName.indexOf('$')) : internalName;
        int i = n.lastIndexOf('/');
        return (i < 0 ? "" : n.substring(0, i)).replace('/', '.');
    }

    /** Class names in a class file's UTF-8 constants (class entries, descriptors, signatures). */
    static List<String> referencedClasses(InputStream raw) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort();
        in.readUnsignedShort();
        int n = in.readUnsignedShort();
        List<String> out = new ArrayList<>();
        for (int i = 1; i < n; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> {
                    Matcher m = CLASS_REF.matcher(in.readUTF());
                    while (m.find()) {
                        out.add(m.group(1));
                    }
                }
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.readInt();
                case 5, 6 -> {
                    in.readLong();
                    i++; // 8-byte constants take two slots
                }
                case 7, 8, 16, 19, 20 -> in.readUnsignedShort();
                case 15 -> {
                    in.readUnsignedByte();
                    in.readUnsignedShort();
                }
                default -> throw new IOException("constant pool tag " + tag);
            }
        }
        return out;
    }

    @Test
    void noSparkInTheEngine() {
        DEPS.forEach((pkg, deps) -> assertTrue(deps.stream().noneMatch(d -> d.startsWith("org.apache.spark")),
            pkg + " uses Spark: " + deps));
    }

    @Test
    void backendsKnowNothingOfTheModelOrWhatRunsIt() {
        for (Map.Entry<String, Set<String>> e : DEPS.entrySet()) {
            if (e.getKey().startsWith("io.lingspark.engine.backend")) {
                for (String d : e.getValue()) {
                    for (String banned : List.of(".model", ".runtime", ".cli", ".command", ".chat", ".tokenizer")) {
                        assertTrue(!d.startsWith("io.lingspark.engine" + banned), e.getKey() + " depends on " + d);
                    }
                }
            }
        }
    }

    @Test
    void packagesAreAcyclic() {
        List<List<String>> cycles = new ArrayList<>();
        Map<String, Integer> index = new TreeMap<>();
        Map<String, Integer> low = new TreeMap<>();
        List<String> stack = new ArrayList<>();
        int[] counter = {0};
        for (String p : DEPS.keySet()) {
            if (!index.containsKey(p)) {
                tarjan(p, index, low, stack, counter, cycles);
            }
        }
        assertEquals(List.of(), cycles, "package cycles (strongly connected components)");
    }

    private static void tarjan(String p, Map<String, Integer> index, Map<String, Integer> low, List<String> stack,
                               int[] counter, List<List<String>> cycles) {
        index.put(p, counter[0]);
        low.put(p, counter[0]++);
        stack.add(p);
        for (String q : DEPS.getOrDefault(p, Set.of())) {
            if (!DEPS.containsKey(q)) {
                continue; // outside the engine
            }
            if (!index.containsKey(q)) {
                tarjan(q, index, low, stack, counter, cycles);
                low.put(p, Math.min(low.get(p), low.get(q)));
            } else if (stack.contains(q)) {
                low.put(p, Math.min(low.get(p), index.get(q)));
            }
        }
        if (low.get(p).equals(index.get(p))) {
            List<String> scc = new ArrayList<>();
            String q;
            do {
                q = stack.remove(stack.size() - 1);
                scc.add(q);
            } while (!q.equals(p));
            if (scc.size() > 1) {
                cycles.add(scc);
            }
        }
    }

    @Test
    void harnessesAreNotInProductionPackages() {
        Path classes;
        try {
            classes = Path.of(Backend.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        for (String harness : List.of("backend/cuda/CudaParity", "backend/cuda/CudaKernelParity", "backend/cuda/CudaSelfTest",
            "backend/cuda/CudaOpBench", "model/HybridBench")) {
            assertTrue(!Files.exists(classes.resolve("io/lingspark/engine/" + harness + ".class")), harness + " is in main");
        }
    }
}
