package dev.lamina.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.parity.ParityRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The shared parity cases ({@code data/parity/cases}: Keras/PyTorch outputs and gradients) on the
 * cuda backend at the runner's tolerance (1e-5 relative), as {@code lamina parity --backend cuda}:
 * no case fails, and the layer cases (conv, pooling, LSTM and GRU through the persistent sequence
 * kernels, outputs and gradients) pass.
 */
@Tag("gpu")
class CudaParityGpuTest {
    @BeforeEach
    void needsDevice() {
        GpuTestSupport.requireDevice();
    }

    @Test
    void everyParityCasePassesOnCuda() throws java.io.IOException {
        Path cases = Files.isDirectory(Paths.get("data", "parity", "cases")) ? Paths.get("data", "parity", "cases")
                : Paths.get("..", "shared", "parity", "cases");
        Assumptions.assumeTrue(Files.isDirectory(cases), "no parity cases at " + cases.toAbsolutePath());
        List<String> lines = new ArrayList<>();
        ParityRunner runner = new ParityRunner(ParityRunner.DEFAULT_TOLERANCE, List.of(CudaBackend.instance()),
                r -> lines.add(r.line()));
        List<ParityRunner.Result> results = runner.run(List.of(cases));
        String report = String.join("\n", lines);
        assertTrue(results.stream().noneMatch(r -> r.status() == ParityRunner.Status.FAIL), report);
        Set<String> passed = results.stream().filter(r -> r.status() == ParityRunner.Status.PASS)
                .map(ParityRunner.Result::op).collect(Collectors.toSet());
        for (String op : List.of("conv2d", "max_pool2d", "avg_pool2d", "lstm", "gru", "dense",
                "sparse_categorical_crossentropy")) {
            assertTrue(passed.contains(op), op + " was not checked on cuda:\n" + report);
        }
    }
}
