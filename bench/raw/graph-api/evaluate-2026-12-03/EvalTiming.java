import dev.lamina.backend.Backends;
import dev.lamina.losses.Losses;
import dev.lamina.models.Sequential;
import dev.lamina.nn.*;
import dev.lamina.optim.Adam;
import dev.lamina.tensor.*;
import java.util.*;
public class EvalTiming {
    public static void main(String[] a) {
        Backends.setDefault(Backends.byName("cpu"));
        Rng.setGlobalSeed(1);
        Sequential model = new Sequential(new Input(20, 1), new LSTM(64), new Dense(32, "relu"), new Dense(1));
        model.compile(new Adam(), Losses.get("mse"));
        Rng rng = new Rng(2);
        int n = Integer.parseInt(a[0]); int bs = Integer.parseInt(a[1]); int rounds = Integer.parseInt(a[2]);
        float[] xs = new float[n * 20]; float[] ys = new float[n];
        for (int i = 0; i < xs.length; i++) xs[i] = (float) rng.nextDouble();
        for (int i = 0; i < ys.length; i++) ys[i] = (float) rng.nextDouble();
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(xs, n, 20, 1), y = Tensor.of(ys, n, 1);
            Map<String, List<Double>> t = new TreeMap<>();
            for (int r = 0; r < rounds; r++) {
                for (String mode : (r % 2 == 0 ? new String[] {"eager", "graph"} : new String[] {"graph", "eager"})) {
                    System.setProperty("lamina.graph", Boolean.toString(mode.equals("graph")));
                    for (int i = 0; i < 2; i++) model.evaluate(x, y, bs);
                    double[] v = new double[10];
                    for (int i = 0; i < 10; i++) { long t0 = System.nanoTime(); model.evaluate(x, y, bs); v[i] = (System.nanoTime() - t0) / 1e6; }
                    Arrays.sort(v);
                    t.computeIfAbsent(mode, k -> new ArrayList<>()).add(v[5]);
                }
            }
            for (var e : t.entrySet()) { double[] v = e.getValue().stream().mapToDouble(d -> d).sorted().toArray(); System.out.printf(Locale.ROOT, "%s n=%d b=%d: round medians %s ms; median %.2f min %.2f%n", e.getKey(), n, bs, e.getValue().stream().map(d -> String.format(Locale.ROOT, "%.2f", d)).toList(), v[v.length / 2], v[0]); }
        }
    }
}
