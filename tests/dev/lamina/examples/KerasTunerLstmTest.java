package dev.lamina.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KerasTunerLstmTest {

    @Test
    void theChaptersGridSearchRunsInGridOrderAndTheBestModelScoresItsTrialsValLoss(@TempDir Path dir) {
        KerasTunerLstm.Result r = KerasTunerLstm.run("grid", Path.of("data"), dir, 4, 1);
        assertEquals(4, r.trials(), "the first 4 of 4 unit counts x 2 optimizers (the optimizer changes fastest)");
        assertTrue(List.of(32, 64).contains(r.bestValues().get("units")), r.bestValues().toString());
        assertTrue(List.of("adam", "rmsprop").contains(r.bestValues().get("optimizer")), r.bestValues().toString());
        assertTrue(r.bestValLoss() > 0 && r.bestValLoss() < 0.05, "val_loss on [0, 1]-scaled cases: " + r.bestValLoss());
        assertTrue(r.summary().contains("units") && r.summary().contains("optimizer"), r.summary());
        // the best trial's row is first and its score is the saved best model's val_loss
        String firstRow = r.summary().lines().skip(6).findFirst().orElseThrow();
        double score = Double.parseDouble(firstRow.trim().split("\\s+")[1]);
        assertEquals(score, r.bestValLoss(), 1e-5);
        assertThrows(IllegalArgumentException.class, () -> KerasTunerLstm.run("annealing", Path.of("data"), dir, 1, 1));
    }
}
