package dev.lamina.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.cuda.GpuTestSupport;
import dev.lamina.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code lamina bench conv|pool|lstm|gru|cnn-train|lstm-train --quick} on the cuda backend: each
 * runs and prints its {@code name: value} keys with positive figures (speed is not asserted).
 * Skipped without a usable device on the real path; CI runs it on the emulated device.
 */
@Tag("gpu")
class LayerBenchGpuTest {
    @BeforeEach
    void needsDevice() {
        GpuTestSupport.requireDevice();
    }

    static String run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        String out = o.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out + e.toString(StandardCharsets.UTF_8));
        return out;
    }

    /** Asserts that each key regex matches exactly {@code count} lines with a positive number. */
    static void assertKeys(String out, int count, List<String> keys) {
        for (String key : keys) {
            Matcher m = Pattern.compile("(?m)^" + key + ": ([0-9.]+(?:e[-+][0-9]+)?)$").matcher(out);
            int found = 0;
            while (m.find()) {
                assertTrue(Double.parseDouble(m.group(1)) > 0, m.group() + "\n" + out);
                found++;
            }
            assertEquals(count, found, key + " in\n" + out);
        }
        assertTrue(out.contains("cudnn: "), out);
    }

    /** The keys each benchmark prints (regexes; the recurrent ones once per shape). */
    static void checkAll(String backend) {
        assertKeys(run("bench", "conv", "--quick", "--backend", backend), 1,
                List.of("conv\\.forward\\.ms", "conv\\.forward\\.tflops", "conv\\.backward\\.ms",
                        "conv\\.backward\\.tflops"));
        assertKeys(run("bench", "pool", "--quick", "--backend", backend), 1,
                List.of("pool\\.max\\.forward\\.gbps", "pool\\.max\\.backward\\.gbps", "pool\\.avg\\.forward\\.gbps",
                        "pool\\.avg\\.backward\\.gbps"));
        for (String cell : List.of("lstm", "gru")) {
            assertKeys(run("bench", cell, "--quick", "--backend", backend), 2,
                    List.of(cell + "\\.b\\d+t\\d+i\\d+h\\d+\\.forward\\.tflops",
                            cell + "\\.b\\d+t\\d+i\\d+h\\d+\\.forward_backward\\.ms"));
        }
        assertKeys(run("bench", "cnn-train", "--quick", "--backend", backend), 1,
                List.of("cnn-train\\.b\\d+\\.step\\.ms", "cnn-train\\.b\\d+\\.images_per_s"));
        assertKeys(run("bench", "lstm-train", "--quick", "--backend", backend), 1,
                List.of("lstm-train\\.fit\\.s", "lstm-train\\.step\\.ms"));
    }

    @Test
    void everyLayerBenchmarkRunsOnCuda() {
        checkAll("cuda");
    }
}
