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

    /** picocli's refusals come out as one line naming the option, in the commands' own words. */
    @Test
    void parseErrorsNameTheOptionInOneLine() {
        String[][] cases = {
            {"forecast", "--bogus"}, {"forecast", "--epochs=zero"}, {"parity", "x", "--backend"},
            {"parity", "x", "--tolerance", "abc"}, {"nope"}, {"bench"}, {"bench", "launch", "extra"},
            {"cnn", "--epochs", "3"}, {"serve"}, {"tune", "--window", "4"},
        };
        String[] expect = {"lamina forecast: unknown option --bogus (try 'lamina forecast --help')",
            "lamina forecast: invalid value for option '--epochs': not an integer: zero",
            "lamina parity: --backend needs a value", "not a number: abc", "lamina: unknown command 'nope' (commands: forecast",
            "lamina bench: missing command (launch, matmul", "lamina bench: unexpected argument 'extra' (try 'lamina bench launch --help')",
            "lamina cnn: missing --cifar DIR", "lamina serve: missing MODEL_BASE_DIR", "lamina tune: unknown option --window"};
        for (int i = 0; i < cases.length; i++) {
            Run r = run(cases[i]);
            assertEquals(Main.USAGE, r.code, String.join(" ", cases[i]));
            assertEquals(1, r.err.lines().count(), r.err);
            assertTrue(r.err.contains(expect[i]), "'" + expect[i] + "' not in: " + r.err);
            assertEquals("", r.out);
        }
    }

    @Test
    void versionAndHelpCommand() {
        for (String[] args : List.of(new String[] {"--version"}, new String[] {"-V"}, new String[] {"tune", "--version"})) {
            Run v = run(args);
            assertEquals(0, v.code, String.join(" ", args));
            // the build fills in the pom's version (resource filtering), never the placeholder
            assertTrue(v.out.matches("lamina \\d+\\.\\d+\\.\\d+\\S*\n"), v.out);
        }
        assertEquals(run("serve", "--help").out, run("help", "serve").out);
        Run h = run("forecast", "-h");
        assertTrue(h.out.contains("--learning-rate=X") && h.out.contains("--debug") && h.out.contains("--version"), h.out);
        // defaults shown in the help are the settings' own
        assertTrue(h.out.contains("(default " + new dev.lamina.forecast.ForecastSettings().window + ")"), h.out);
    }

    /** The last of a repeated option counts (as before picocli); an at-sign argument is a plain path. */
    @Test
    void repeatedOptionsAndAtSignArguments() {
        Run r = run("parity", "@no-such-file", "--backend", "tpu", "--backend", "reference");
        assertEquals(Main.USAGE, r.code);
        assertTrue(r.err.contains("@no-such-file"), r.err);
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
