package dev.lamina.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lamina.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The layer benchmarks with {@code --backend cpu --quick}: they run and print their keys; bad usage is exit 2. */
class LayerBenchTest {
    @Test
    void everyLayerBenchmarkRunsOnCpu() {
        LayerBenchGpuTest.checkAll("cpu");
    }

    @Test
    void badUsageIsRejected() {
        for (String[] args : new String[][] {{"bench", "conv", "--sizes", "3"}, {"bench", "lstm", "--backend", "tpu"},
                {"bench", "launch", "--quick"}}) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            assertEquals(2, code, String.join(" ", args));
        }
    }
}
