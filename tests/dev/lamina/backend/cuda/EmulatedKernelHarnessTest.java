package dev.lamina.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Builds and runs the C++ kernel harness of the emulated CUDA device with AddressSanitizer and
 * UndefinedBehaviorSanitizer ({@code cuda-kernels/emu/harness.sh}, SAN=1): every kernel of {@code
 * cuda-kernels/*.cu} against the cpu kernels or plain loops, sizes 1, 7, 33, 1023, in forward
 * thread order and with a capped grid ("ci": the Java tests cover the reverse and shuffled orders;
 * {@code harness.sh . quick} runs all four modes), plus the emulator's own fault reports
 * (a barrier after an early exit, barriers in two branches, mismatched warp masks, a deadlock, each
 * named with its kernel and {@code .cu} line). An out-of-bounds or misaligned access stops the
 * harness with the sanitizer's report, and this test fails with it.
 *
 * <p>Tagged {@code cuda-emulated-harness}: the plain test run leaves it out; CI runs it once, in
 * the {@code emulated-cuda-forward} surefire execution of pom.xml.
 */
@Tag("cuda-emulated-harness")
class EmulatedKernelHarnessTest {

    @Test
    void everyKernelPassesTheSanitizedHarness() throws IOException, InterruptedException {
        Path project = Path.of(System.getProperty("user.dir"));
        Path script = project.resolve("cuda-kernels/emu/harness.sh");
        assertTrue(Files.isRegularFile(script), "no " + script);
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), project.toString(), "ci");
        pb.redirectErrorStream(true);
        pb.environment().put("SAN", "1");
        pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            in.transferTo(out);
        }
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "the harness did not finish in 10 minutes");
        String text = out.toString(StandardCharsets.UTF_8);
        System.out.println(text);
        assertEquals(0, p.exitValue(), "harness.sh failed:\n" + text);
        Matcher m = Pattern.compile("(\\d+) passed, (\\d+) failed").matcher(text);
        assertTrue(m.find(), "no summary line:\n" + text);
        assertEquals("0", m.group(2), text);
        assertTrue(Long.parseLong(m.group(1)) > 4000, "too few checks ran: " + m.group());
        assertTrue(text.contains("mode forward") && text.contains("mode grid-capped"), text);
    }
}
