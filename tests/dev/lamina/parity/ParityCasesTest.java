package dev.lamina.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Runs every shared parity case on the reference and cpu backends. */
class ParityCasesTest {
    /** The cases shipped in data/parity/cases, else the shared folder beside the repository. */
    static final Path CASES = Files.isDirectory(Paths.get("data", "parity", "cases"))
            ? Paths.get("data", "parity", "cases") : Paths.get("..", "shared", "parity", "cases");

    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu"})
    void allSupportedCasesPass(String backendName) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(CASES), "no parity cases at " + CASES.toAbsolutePath());
        Backend backend = Backends.byName(backendName);
        List<String> lines = new ArrayList<>();
        ParityRunner runner = new ParityRunner(ParityRunner.DEFAULT_TOLERANCE, List.of(backend), r -> lines.add(r.line()));
        List<ParityRunner.Result> results = runner.run(List.of(CASES));
        String report = String.join("\n", lines);

        List<ParityRunner.Result> failed = results.stream()
                .filter(r -> r.status() == ParityRunner.Status.FAIL).collect(Collectors.toList());
        assertTrue(failed.isEmpty(), "failures on " + backendName + ":\n" + report);

        // every case file whose op is supported was checked, outputs and gradients, and passed
        Set<String> checkedOps = results.stream().filter(r -> r.status() == ParityRunner.Status.PASS)
                .map(ParityRunner.Result::op).collect(Collectors.toSet());
        for (String op : List.of("matmul", "dense", "mean_squared_error", "binary_crossentropy",
                "sparse_categorical_crossentropy", "embedding", "conv2d", "max_pool2d", "avg_pool2d",
                "lstm", "gru", "simple_rnn")) {
            assertTrue(checkedOps.contains(op), op + " was not checked:\n" + report);
        }
        for (Path file : caseFiles()) {
            ParityCase c = ParityCase.load(file);
            List<ParityRunner.Result> mine = results.stream()
                    .filter(r -> r.file().equals(c.name())).collect(Collectors.toList());
            if (ParityOps.TABLE.containsKey(c.op())) {
                assertEquals(c.outputs().size() + c.grads().size(), mine.size(), c.name() + ":\n" + report);
                assertTrue(mine.stream().allMatch(r -> r.status() == ParityRunner.Status.PASS), c.name());
                assertTrue(mine.stream().anyMatch(r -> r.check().startsWith("grad.")), c.name() + " has no gradient check");
            } else {
                assertTrue(ParityOps.NOT_YET.contains(c.op()), "unexpected op " + c.op());
                assertEquals(1, mine.size(), c.name());
                assertEquals(ParityRunner.Status.SKIP, mine.get(0).status(), c.name());
                assertTrue(mine.get(0).line().contains("SKIP") && mine.get(0).line().contains(c.op()));
            }
        }
        // the unsupported ops present in the folder are reported SKIP, never PASS
        Set<String> skipped = results.stream().filter(r -> r.status() == ParityRunner.Status.SKIP)
                .map(ParityRunner.Result::op).collect(Collectors.toSet());
        boolean anyUnsupported = false;
        for (Path file : caseFiles()) {
            anyUnsupported |= !ParityOps.TABLE.containsKey(ParityCase.load(file).op());
        }
        assertEquals(anyUnsupported, !skipped.isEmpty(), "SKIP lines exactly when some case's op is not supported yet");
        assertTrue(ParityOps.NOT_YET.containsAll(skipped), skipped.toString());
        assertTrue(Set.copyOf(skipped).stream().noneMatch(checkedOps::contains));
    }

    static List<Path> caseFiles() throws Exception {
        try (Stream<Path> s = Files.list(CASES)) {
            return s.filter(p -> p.toString().endsWith(".safetensors")).sorted().collect(Collectors.toList());
        }
    }
}
