package dev.lamina.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.io.HostTensor;
import dev.lamina.io.Safetensors;
import dev.lamina.util.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpListsOnlyRealCommands() {
        Run r = run("--help");
        assertEquals(0, r.code);
        assertTrue(r.out.contains("parity"), r.out);
        assertTrue(Main.commands().keySet().containsAll(List.of("parity", "forecast", "cnn")), Main.commands().keySet().toString());
        for (String name : Main.commands().keySet()) {
            assertTrue(r.out.contains(name), name + " not listed:\n" + r.out);
            Run h = run(name, "--help");
            assertEquals(0, h.code, name);
            assertTrue(h.out.startsWith("usage: lamina " + name), h.out);
            assertTrue(h.out.endsWith("\n"), name + " help must end with a newline");
        }
        Run p = run("parity", "--help");
        assertEquals(0, p.code);
        assertTrue(p.out.startsWith("usage: lamina parity"), p.out);
        assertEquals(p.out, run("--help", "parity").out);
    }

    @Test
    void badUsageIsExitTwoWithOneLine() {
        for (String[] args : List.of(new String[0], new String[] {"nope"}, new String[] {"parity"},
                new String[] {"parity", "x", "--frobnicate"}, new String[] {"parity", "x", "--tolerance", "abc"},
                new String[] {"parity", "x", "--backend"}, new String[] {"parity", "x", "--backend", "tpu"},
                new String[] {"parity", tmpMissing()})) {
            Run r = run(args);
            assertEquals(2, r.code, String.join(" ", args));
            assertEquals(1, r.err.strip().split("\n").length, r.err);
            assertFalse(r.err.contains("\tat "), r.err);
            assertEquals("", r.out);
        }
    }

    private String tmpMissing() {
        return tmp.resolve("missing.safetensors").toString();
    }

    @Test
    void unreadableCaseIsExitTwoAndDebugShowsTrace() throws Exception {
        Path bad = tmp.resolve("bad.safetensors");
        Files.write(bad, new byte[] {1, 2, 3});
        Run r = run("parity", bad.toString(), "--backend", "reference");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("bad.safetensors"), r.err);
        assertFalse(r.err.contains("\tat "));
        Run d = run("parity", bad.toString(), "--backend", "reference", "--debug");
        assertEquals(2, d.code);
        assertTrue(d.err.contains("\tat "), d.err);
    }

    /** A matmul case with a wrong expected value fails with exit 1; the right one passes. */
    @Test
    void failingAndPassingCaseAndJson() throws Exception {
        Path good = tmp.resolve("good.safetensors");
        Path wrong = tmp.resolve("wrong.safetensors");
        writeMatmulCase(good, 11);
        writeMatmulCase(wrong, 12);
        Path json = tmp.resolve("r.json");
        Run ok = run("parity", good.toString(), "--backend", "reference", "--json", json.toString());
        assertEquals(0, ok.code, ok.out + ok.err);
        assertTrue(ok.out.strip().endsWith("3 passed, 0 failed, 0 skipped"), ok.out);
        Map<String, Object> doc = Json.parseObject(Files.readString(json));
        assertEquals(3, ((List<?>) doc.get("results")).size());

        Run bad = run("parity", tmp.toString(), "--backend=reference", "--tolerance=1e-6");
        assertEquals(1, bad.code, bad.out + bad.err);
        assertTrue(bad.out.contains("wrong.safetensors") && bad.out.contains("FAIL"), bad.out);
        assertTrue(bad.out.strip().endsWith("5 passed, 1 failed, 0 skipped"), bad.out);
    }

    /** y = a·b with a = [[1, 2]], b = [[3], [4]]: y = 11, dL/da = seed·bᵀ, dL/db = aᵀ·seed. */
    static void writeMatmulCase(Path file, double y) {
        Map<String, HostTensor> t = new LinkedHashMap<>();
        t.put("in.a", HostTensor.ofFloats(new float[] {1, 2}, 1, 2));
        t.put("in.b", HostTensor.ofFloats(new float[] {3, 4}, 2, 1));
        t.put("out.y", HostTensor.ofDoubles(new double[] {y}, 1, 1));
        t.put("seed.y", HostTensor.ofFloats(new float[] {2}, 1, 1));
        t.put("grad.a", HostTensor.ofDoubles(new double[] {6, 8}, 1, 2));
        t.put("grad.b", HostTensor.ofDoubles(new double[] {2, 4}, 2, 1));
        Safetensors.write(file, t, Map.of("op", "matmul", "attrs", "{}", "format", "1"));
    }
}
