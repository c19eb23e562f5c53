package dev.lamina.tuner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.cli.Main;
import dev.lamina.plot.DesktopModule;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lamina tune} end to end on the bundled data (few trials, two epochs), resume, and its errors. */
class TuneCommandTest {
    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    @Test
    void searchesTrainsTheBestEvaluatesBesidePersistenceAndResumes() throws Exception {
        Path dir = tmp.resolve("t");
        Run r = run("tune", "--oracle", "random", "--max-trials", "3", "--epochs", "2", "--parallel", "2", "--dir", dir.toString());
        assertEquals(0, r.code(), r.err());
        for (String id : new String[] {"0000", "0001", "0002"}) {
            assertTrue(r.out().contains("trial " + id + "/"), r.out());
            assertTrue(Files.exists(dir.resolve("dengue_san_juan").resolve("trial_" + id).resolve("trial.json")));
        }
        assertTrue(r.out().contains("persistence") && r.out().contains("lstm") && r.out().contains("Results summary"), r.out());
        assertTrue(r.out().contains("held out"), r.out());
        assertTrue(Files.exists(dir.resolve("tune.json")));
        assertTrue(Files.exists(dir.resolve("best-forecaster").resolve("forecaster.json")));
        assertEquals(DesktopModule.available(), Files.exists(dir.resolve("search.png")));
        String first = Files.readString(dir.resolve("dengue_san_juan").resolve("trial_0001").resolve("trial.json"));

        Run more = run("tune", "--oracle", "random", "--max-trials", "4", "--epochs", "2", "--dir", dir.toString(), "--resume");
        assertEquals(0, more.code(), more.err());
        assertTrue(more.out().contains("trial 0003/"), more.out());
        assertFalse(more.out().contains("trial 0001/"), "finished trials are not run again: " + more.out());
        assertTrue(more.out().contains("search: 1 trial(s) in") && more.out().contains("3 finished earlier and kept"), more.out());
        assertEquals(first, Files.readString(dir.resolve("dengue_san_juan").resolve("trial_0001").resolve("trial.json")));
    }

    @Test
    void parallelTrialsGiveTheSameTrialsAsSequentialOnes() throws Exception {
        // guards the forecaster's seeded build (the global generator is shared by the trial threads)
        for (String p : new String[] {"1", "2"}) {
            Run r = run("tune", "--oracle", "random", "--max-trials", "2", "--epochs", "1", "--parallel", p, "--quiet", "--dir",
                    tmp.resolve("p" + p).toString());
            assertEquals(0, r.code(), r.err());
        }
        for (String id : new String[] {"0000", "0001"}) {
            Map<String, Object> a = TunerFiles.read(tmp.resolve("p1").resolve("dengue_san_juan").resolve("trial_" + id).resolve("trial.json"));
            Map<String, Object> b = TunerFiles.read(tmp.resolve("p2").resolve("dengue_san_juan").resolve("trial_" + id).resolve("trial.json"));
            assertEquals(a.get("hyperparameters"), b.get("hyperparameters"));
            assertEquals(a.get("executions"), b.get("executions"), "per-epoch metrics of trial " + id);
            assertEquals(a.get("score"), b.get("score"));
        }
    }

    @Test
    void badInputIsOneClearError() {
        Run r = run("tune", "--oracle", "annealing", "--dir", tmp.toString());
        assertEquals(Main.USAGE, r.code());
        assertTrue(r.err().contains("--oracle must be grid, random, bayesian or hyperband"), r.err());
        r = run("tune", "--spark", "local[2]", "--dir", tmp.toString());
        assertEquals(Main.USAGE, r.code());
        assertTrue(r.err().contains("--spark"), r.err());
        r = run("tune", "--max-trials", "0");
        assertEquals(Main.USAGE, r.code());
        assertTrue(r.err().contains("--max-trials must be between 1"), r.err());
        r = run("tune", "--parallel", "0");
        assertEquals(Main.USAGE, r.code());
        assertTrue(r.err().contains("--parallel must be between 1"), r.err());
        // a validation fraction that leaves a 52-week trial too few weeks is refused before any trial runs
        r = run("tune", "--validation", "0.995", "--dir", tmp.resolve("v").toString());
        assertEquals(Main.USAGE, r.code());
        assertTrue(r.err().contains("--validation: validation fraction 0.995 leaves 4 of the 956 training weeks")
                && r.err().contains("needs at least 61"), r.err());
        assertFalse(r.out().contains("trial 0000"), r.out());
        r = run("tune", "--validation", "0.001", "--dir", tmp.resolve("v").toString());
        assertEquals(Main.USAGE, r.code());
        assertTrue(r.err().contains("leaves 1 of the 956 training weeks to score a trial on"), r.err());
        assertTrue(Main.usage().contains("tune"));
    }
}
