package dev.lamina.forecast;

import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.tensor.Rng;
import java.nio.file.Path;

/**
 * The child process of {@link KillDuringSaveTest}: saves, over and over until it is killed, two
 * models of different architectures into one model directory and two different forecasters into
 * one forecaster directory, printing "saved N" after each round.
 * Arguments: MODEL_DIR FORECASTER_DIR FORECASTER_A FORECASTER_B.
 */
public final class SaveLoopChild {
    private SaveLoopChild() {
    }

    public static void main(String[] args) {
        Path modelDir = Path.of(args[0]);
        Path forecasterDir = Path.of(args[1]);
        Rng.setGlobalSeed(5);
        Sequential a = new Sequential("a");
        a.add(new Input(3)).add(new Dense(16, "relu")).add(new Dense(1));
        Sequential b = new Sequential("b");
        b.add(new Input(5, 2)).add(new LSTM(8)).add(new Dense(2));
        Forecaster fa = Forecaster.load(Path.of(args[2]));
        Forecaster fb = Forecaster.load(Path.of(args[3]));
        for (long i = 1; ; i++) {
            (i % 2 == 0 ? a : b).save(modelDir);
            (i % 2 == 0 ? fa : fb).save(forecasterDir);
            System.out.println("saved " + i);
            System.out.flush();
        }
    }
}
