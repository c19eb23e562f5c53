package dev.lamina.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.cli.Main;
import dev.lamina.models.Model;
import dev.lamina.models.Sequential;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a process at random moments while it saves models of two architectures and two
 * forecasters over and over into the same directories (issue 11, data loss): after every kill the
 * model directory and the forecaster directory load, each as one of the two versions whole, and the
 * next save leaves no temporaries behind.
 */
class KillDuringSaveTest {
    private static final int ROUNDS = 20;

    @TempDir
    Path tmp;

    private Path trainForecaster(Path csv, String units, String ensemble, String name) {
        Path out = tmp.resolve(name);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"forecast", "--data", csv.toString(), "--target", "cases", "--epochs", "1", "--units", units,
                "--ensemble", ensemble, "--window", "4", "--quiet", "--backend", "reference", "--out", out.toString()},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        return out.resolve("forecaster");
    }

    private static List<String> layerClasses(Sequential m) {
        List<String> out = new ArrayList<>();
        m.layers().forEach(l -> out.add(l.className()));
        return out;
    }

    @Test
    void everyKillLeavesTheOldOrTheNewVersionWhole() throws Exception {
        Path csv = tmp.resolve("weekly.csv");
        StringBuilder sb = new StringBuilder("week,cases\n");
        for (int i = 0; i < 80; i++) {
            sb.append(String.format(Locale.ROOT, "%s,%d%n", java.time.LocalDate.of(2020, 1, 6).plusWeeks(i),
                    20 + (int) (10 * Math.sin(i / 4.0)) + i % 3));
        }
        Files.writeString(csv, sb);
        // version-2 forecasters: forecaster.json and member-K directories; the two differ in units and
        // in member count, so a load that mixed the directories of two saves would be caught
        Path fa = trainForecaster(csv, "3", "2", "fa");
        Path fb = trainForecaster(csv, "5", "3", "fb");
        Path modelDir = tmp.resolve("target").resolve("model");
        Path forecasterDir = tmp.resolve("target").resolve("forecaster");
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Random rnd = new Random(11);
        int killedMidway = 0;
        for (int round = 0; round < ROUNDS; round++) {
            Path log = tmp.resolve("child-" + round + ".log");
            Process p = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dlamina.backend=reference",
                    "-cp", System.getProperty("java.class.path"), SaveLoopChild.class.getName(),
                    modelDir.toString(), forecasterDir.toString(), fa.toString(), fb.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                // wait for the first round to be saved: from then on any moment is fair
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!Files.readString(log).contains("saved 1")) {
                    assertTrue(p.isAlive() && System.nanoTime() < deadline, "child: " + Files.readString(log));
                    Thread.sleep(5);
                }
                Thread.sleep(rnd.nextInt(120));
                p.destroyForcibly();
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the child did not die");
                long saves = Files.readAllLines(log).stream().filter(l -> l.startsWith("saved")).count();
                killedMidway += saves > 1 ? 1 : 0;
            } finally {
                p.destroyForcibly();
            }
            Files.delete(log);
            try (Sequential m = Model.load(modelDir)) {
                List<String> classes = layerClasses(m);
                assertTrue(classes.equals(List.of("Dense", "Dense")) || classes.equals(List.of("LSTM", "Dense")),
                        "round " + round + ": " + classes);
            }
            try (Forecaster f = Forecaster.load(forecasterDir)) {
                assertTrue(Set.of(3, 5).contains(f.settings().units), "round " + round + ": units " + f.settings().units);
                int members = f.settings().units == 3 ? 2 : 3;
                assertEquals(members, f.members().size(), "round " + round + ": members of another save");
                for (Sequential m : f.members()) {
                    assertEquals(f.settings().units, ((Number) m.layers().get(0).config().get("units")).intValue(),
                            "round " + round + ": a member of another save");
                }
            }
        }
        System.out.println("KillDuringSaveTest: " + killedMidway + " of " + ROUNDS + " kills came after the second save had begun");
        // the next save cleans whatever the kills left
        try (Sequential m = Model.load(modelDir); Forecaster f = Forecaster.load(forecasterDir)) {
            m.save(modelDir);
            f.save(forecasterDir);
        }
        try (Stream<Path> s = Files.list(tmp.resolve("target"))) {
            assertEquals(List.of("forecaster", "model"), s.map(x -> x.getFileName().toString()).sorted().toList());
        }
    }
}
