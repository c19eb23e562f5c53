package dev.lamina.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.cli.Main;
import dev.lamina.models.Sequential;
import dev.lamina.plot.DesktopModule;
import dev.lamina.tensor.Scope;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CnnExamplesTest {
    @Test
    void digitsCnnReachesNinetyFivePercentAndWritesAPng(@TempDir Path out) throws Exception {
        long t0 = System.nanoTime();
        DigitsCnn.Result r = DigitsCnn.run(DigitsCnn.DATA, out, 8, 42L, null);
        double sec = (System.nanoTime() - t0) / 1e9;
        assertEquals(359, r.testSize());
        assertTrue(r.testAccuracy() >= 0.95, "test accuracy " + r.testAccuracy());
        if (DesktopModule.available()) {
            assertTrue(Files.size(r.png()) > 100, "png written");
            var img = javax.imageio.ImageIO.read(r.png().toFile());
            assertTrue(img.getWidth() >= 64 && img.getHeight() >= 64, "png decodes");
        } else {
            // a runtime without java.desktop (the bundle's): no image, no file, and no failure
            assertNull(r.png());
            assertFalse(Files.exists(out.resolve("misclassified.png")));
        }
        System.out.printf("digits CNN: test accuracy %.4f, %.1f s in all%n", r.testAccuracy(), sec);
    }

    @Test
    void workshopCifarModelHasTheTutorialShapes() {
        try (Scope s = Scope.open(); Sequential m = CifarCnn.build()) {
            assertEquals(122_570, m.countParams());
            long[] out = m.layers().get(m.layers().size() - 1).outputShape(new long[] {-1, 64});
            assertEquals(10, out[1]);
            String summary = m.summaryString();
            assertTrue(summary.contains("(None, 4, 4, 64)") && summary.contains("(None, 1024)"), summary);
        }
    }

    private static int cli(PrintStream out, PrintStream err, String... args) {
        return Main.run(args, out, err);
    }

    @Test
    void cnnCommandTrainsOnCifarFilesAndFailsCleanlyWithoutThem(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(o, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(e, true, StandardCharsets.UTF_8);
        assertEquals(2, cli(out, err, "cnn", "--cifar", dir.resolve("absent").toString()));
        String msg = e.toString(StandardCharsets.UTF_8).strip();
        assertTrue(msg.startsWith("lamina cnn:") && msg.contains("absent") && !msg.contains("\n"), msg);
        e.reset();
        assertEquals(2, cli(out, err, "cnn"));
        assertTrue(e.toString(StandardCharsets.UTF_8).contains("--cifar"));

        for (int f = 1; f <= 5; f++) {
            Files.write(dir.resolve("data_batch_" + f + ".bin"), dev.lamina.data.Cifar10TestData.records(4, 4 * f));
        }
        e.reset();
        assertEquals(2, cli(out, err, "cnn", "--cifar", dir.toString()));
        assertTrue(e.toString(StandardCharsets.UTF_8).contains("test_batch.bin"), e.toString(StandardCharsets.UTF_8));
        Files.write(dir.resolve("test_batch.bin"), dev.lamina.data.Cifar10TestData.records(6, 50));
        o.reset();
        assertEquals(0, cli(out, err, "cnn", "--cifar", dir.toString(), "--epochs", "1", "--batch-size", "8", "--limit", "12"));
        String text = o.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("12 training and 6 test images") && text.matches("(?s).*test accuracy [01]\\.\\d{4}.*"), text);
    }
}
