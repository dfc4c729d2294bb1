package io.lingspark.jobs.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lingspark.engine.command.EngineOptionsMixin;
import io.lingspark.engine.runtime.CpuWeights;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A job's engine options travel to the executors intact: --cpu-weights among them. */
class EngineSettingsTest {
    @Test
    void cpuWeightsReachTheExecutorsOptions() throws Exception {
        EngineOptionsMixin m = new EngineOptionsMixin();
        new CommandLine(new Object() {
            @CommandLine.Mixin
            EngineOptionsMixin engine = m;
        }).parseArgs("--cpu-weights", "int8");
        EngineSettings s = EngineSettings.of(m);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(buf)) {
            out.writeObject(s);
        }
        EngineSettings back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(buf.toByteArray()))) {
            back = (EngineSettings) in.readObject();
        }
        assertEquals(CpuWeights.INT8, back.options(Path.of("/m"), "cpu").cpuWeights());
        assertEquals(CpuWeights.INT8, back.perRank(1, 1L << 20).options(Path.of("/m"), "cpu").cpuWeights());
        EngineOptionsMixin d = new EngineOptionsMixin();
        new CommandLine(new Object() {
            @CommandLine.Mixin
            EngineOptionsMixin engine = d;
        }).parseArgs();
        assertEquals(CpuWeights.STORED, EngineSettings.of(d).options(Path.of("/m"), "cpu").cpuWeights());
    }
}
