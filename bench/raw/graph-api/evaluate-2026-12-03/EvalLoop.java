import dev.lamina.backend.Backends;
import dev.lamina.losses.Losses;
import dev.lamina.models.Sequential;
import dev.lamina.nn.*;
import dev.lamina.optim.Adam;
import dev.lamina.tensor.*;
public class EvalLoop {
    public static void main(String[] a) {
        Backends.setDefault(Backends.byName("cpu"));
        Rng.setGlobalSeed(1);
        Sequential model = new Sequential(new Input(20, 1), new LSTM(64), new Dense(32, "relu"), new Dense(1));
        model.compile(new Adam(), Losses.get("mse"));
        Rng rng = new Rng(2);
        float[] xs = new float[700 * 20]; float[] ys = new float[700];
        for (int i = 0; i < xs.length; i++) xs[i] = (float) rng.nextDouble();
        for (int i = 0; i < ys.length; i++) ys[i] = (float) rng.nextDouble();
        System.setProperty("lamina.graph", a[0]);
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(xs, 700, 20, 1), y = Tensor.of(ys, 700, 1);
            long t0 = System.nanoTime();
            for (int i = 0; i < 1000; i++) model.evaluate(x, y, 32);
            System.out.printf("%s: %.2f ms/evaluate%n", a[0], (System.nanoTime() - t0) / 1e6 / 1000);
        }
    }
}
