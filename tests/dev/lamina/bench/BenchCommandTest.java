package dev.lamina.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backends;
import dev.lamina.backend.Storage;
import dev.lamina.backend.cuda.CudaBackend;
import dev.lamina.cli.Main;
import dev.lamina.types.DType;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code lamina bench}: its options, the no-device path, and both benchmarks on the cpu backend. */
class BenchCommandTest {
    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    @Test
    void isRegisteredWithHelp() {
        assertTrue(Main.commands().containsKey("bench"));
        Run r = run("bench", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("usage: lamina bench"), r.out());
        for (String b : List.of("launch", "matmul", "conv", "pool", "lstm", "gru", "cnn-train", "lstm-train", "fit", "predict",
                "forward")) {
            assertTrue(r.out().contains("\n  " + b + " "), b + " not listed:\n" + r.out());
            Run h = run("bench", b, "--help");
            assertEquals(0, h.code(), b);
            assertTrue(h.out().startsWith("usage: lamina bench " + b), h.out());
        }
        assertTrue(run("--help").out().contains("bench"));
    }

    @Test
    void badUsageExitsTwoAndSaysWhy() {
        for (String[] args : List.of(new String[] {"bench"}, new String[] {"bench", "nosuch"},
                new String[] {"bench", "launch", "matmul"}, new String[] {"bench", "launch", "--backend", "tpu"},
                new String[] {"bench", "launch", "--size", "0"}, new String[] {"bench", "launch", "--sizes", "8"},
                new String[] {"bench", "matmul", "--sizes", "8,x"}, new String[] {"bench", "matmul", "--sizes", "0"},
                new String[] {"bench", "matmul", "--precision", "medium"},
                new String[] {"bench", "matmul", "--backend", "cpu", "--precision", "tf32"},
                new String[] {"bench", "matmul", "--frobnicate"})) {
            Run r = run(args);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.out());
            assertTrue(r.err().startsWith("lamina bench: "), r.err());
        }
    }

    @Test
    void withoutDeviceCudaMeasuresNothingAndExitsZero() {
        if (CudaBackend.instance().isAvailable()) {
            return; // CudaBenchGpuTest runs them on the device
        }
        for (String what : List.of("launch", "matmul")) {
            Run r = run("bench", what);
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("no usable CUDA device here"), r.out());
            assertTrue(r.out().contains(CudaBackend.unavailableReason()), r.out());
            assertTrue(r.out().contains("nothing measured"), r.out());
        }
    }

    @Test
    void launchOnTheCpuReportsMedians() {
        Run r = run("bench", "launch", "--backend", "cpu", "--size", "64", "--iterations", "300", "--warmup", "20");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("lamina bench launch: backend cpu"), r.out());
        Matcher m = Pattern.compile("median ([0-9.]+) us.*?300 calls").matcher(r.out());
        int found = 0;
        while (m.find()) {
            assertTrue(Double.parseDouble(m.group(1)) > 0, m.group());
            found++;
        }
        assertEquals(2, found, "backend.binary and x.add(y): " + r.out());
    }

    @Test
    void matmulOnTheCpuMeasuresAndChecksEachSize() {
        long before = Backends.cpu().bytesInUse();
        Run r = run("bench", "matmul", "--backend", "cpu", "--sizes", "17,64", "--reps", "2");
        assertEquals(0, r.code(), r.out() + r.err());
        for (int n : new int[] {17, 64}) {
            Matcher m = Pattern.compile("\\s" + n + "\\s+fp32\\s+2\\s+([0-9.]+)\\s+-\\s+-\\s+ok ([0-9.e+-]+)")
                    .matcher(r.out());
            assertTrue(m.find(), "row for n=" + n + ":\n" + r.out());
            assertTrue(Double.parseDouble(m.group(1)) > 0);
            assertTrue(Double.parseDouble(m.group(2)) <= GemmThroughput.FP32_TOLERANCE, m.group());
        }
        assertEquals(before, Backends.cpu().bytesInUse(), "the benchmark frees its storages");
    }

    @Test
    void theCheckCatchesAWrongProduct() {
        var cpu = Backends.cpu();
        int n = 9;
        ByteBuffer a = GemmThroughput.random((long) n * n, 1);
        ByteBuffer b = GemmThroughput.random((long) n * n, 2);
        Storage sa = cpu.allocate(DType.FLOAT32, n * n);
        Storage sb = cpu.allocate(DType.FLOAT32, n * n);
        Storage c = cpu.allocate(DType.FLOAT32, n * n);
        try {
            cpu.upload(a, sa);
            cpu.upload(b, sb);
            cpu.matmul(sa, sb, c, 1, n, n, n, false, false, 0, 0);
            assertTrue(GemmThroughput.maxError(cpu, c, a, b, n) < 1e-6);
            cpu.matmul(sa, sb, c, 1, n, n, n, true, false, 0, 0); // Aᵀ·B: wrong product
            assertTrue(GemmThroughput.maxError(cpu, c, a, b, n) > 1e-2);
            ByteBuffer nan = ByteBuffer.allocate(4 * n * n).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n * n; i++) {
                nan.putFloat(4 * i, Float.NaN);
            }
            cpu.upload(nan, c);
            assertTrue(Double.isNaN(GemmThroughput.maxError(cpu, c, a, b, n)), "NaN never passes");
        } finally {
            sa.release();
            sb.release();
            c.release();
        }
    }

    @Test
    void cublasPeerSaysWhyItIsAbsent() {
        StringBuilder why = new StringBuilder();
        CublasPeer peer = CublasPeer.load(why);
        if (peer == null) {
            assertTrue(why.toString().contains("cuda preset"), why.toString());
        }
        try {
            Class.forName("org.bytedeco.cuda.global.cublas");
        } catch (ClassNotFoundException e) {
            assertNull(peer, "no preset, no peer");
        }
    }

    @Test
    void samplesGiveOrderStatistics() {
        Samples s = new Samples(new long[] {5000, 1000, 3000, 2000, 4000});
        assertEquals(3000, s.median());
        assertEquals(1000, s.quantile(0.1));
        assertEquals(5000, s.quantile(0.9));
        assertEquals(3000.0, s.mean());
        assertEquals(2000, new Samples(new long[] {4000, 1000, 2000, 3000}).median(), "lower middle");
        assertTrue(s.describe().startsWith("median 3.00 us"), s.describe());
        assertThrows(IllegalArgumentException.class, () -> new Samples(new long[0]));
        assertThrows(IllegalArgumentException.class, () -> s.quantile(1.5));
    }

    @Test
    void precisionsAndSizesParse() throws Exception {
        assertEquals(List.of(GemmThroughput.Mode.TF32, GemmThroughput.Mode.FP32), BenchCommand.parseModes("tf32, fp32,high"));
        assertEquals(List.of(512, 8192), BenchCommand.parseSizes("512, 8192", List.of()));
        assertEquals(BenchCommand.CUDA_SIZES, BenchCommand.parseSizes(null, BenchCommand.CUDA_SIZES));
        assertEquals(List.of(512, 1024, 2048, 4096, 8192), BenchCommand.CUDA_SIZES);
    }
}
