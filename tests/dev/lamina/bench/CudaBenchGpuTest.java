package dev.lamina.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.cuda.CudaBackend;
import dev.lamina.backend.cuda.GpuTestSupport;
import dev.lamina.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code lamina bench launch|matmul} on the cuda backend with small settings: they run, report
 * positive figures and every matmul result passes its check (fp32 and tf32, odd sizes). Speed is
 * not asserted. Skipped without a usable device on the real path; CI runs it on the emulated device.
 */
@Tag("gpu")
class CudaBenchGpuTest {
    @BeforeEach
    void needsDevice() {
        GpuTestSupport.requireDevice();
    }

    private static String run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        String out = o.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out + e.toString(StandardCharsets.UTF_8));
        return out;
    }

    @Test
    void launchReportsMedians() {
        String out = run("bench", "launch", "--iterations", "3000", "--warmup", "500");
        assertTrue(out.startsWith("lamina bench launch: backend cuda"), out);
        assertTrue(out.contains("issue #6 target"), out);
        Matcher m = Pattern.compile("median ([0-9.]+) us").matcher(out);
        int found = 0;
        while (m.find()) {
            assertTrue(Double.parseDouble(m.group(1)) > 0, m.group());
            found++;
        }
        assertTrue(found >= 2, out);
    }

    @Test
    void matmulMeasuresAndPassesItsChecks() {
        var before = CudaBackend.precision();
        // the emulated device runs every CUDA thread on the CPU: smaller (still odd) sizes there
        String[] sizes = GpuTestSupport.emulated() ? new String[] {"33", "65"} : new String[] {"129", "512"};
        String out = run("bench", "matmul", "--sizes", String.join(",", sizes), "--reps", "3", "--no-cublas");
        for (String n : sizes) {
            for (String p : new String[] {"fp32", "tf32"}) {
                Matcher m = Pattern.compile("\\s" + n + "\\s+" + p + "\\s+3\\s+([0-9.]+)\\s.*\\sok\\s").matcher(out);
                assertTrue(m.find(), n + " " + p + ":\n" + out);
                assertTrue(Double.parseDouble(m.group(1)) > 0);
            }
        }
        assertEquals(before, CudaBackend.precision(), "precision restored");
    }
}
