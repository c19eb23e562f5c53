import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backends;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.types.DType;

/** Backward of tanh, sigmoid (1M elements) and softmax (rows of 10 and 1000): median ms of 30 after 10 warm-up. */
public class GradBench {
    public static void main(String[] a) {
        try (var u = Backends.use(Backends.byName(a[0])); Scope s = Scope.open()) {
            Tensor x1 = new Rng(1).normal(DType.FLOAT32, 0, 3, 1 << 20);
            Tensor xs10 = new Rng(2).normal(DType.FLOAT32, 0, 3, 1 << 17, 10);
            Tensor xs1000 = new Rng(3).normal(DType.FLOAT32, 0, 3, 1 << 10, 1000);
            for (String op : new String[] {"tanh", "sigmoid", "softmax10", "softmax1000"}) {
                Tensor x = op.equals("softmax10") ? xs10 : op.equals("softmax1000") ? xs1000 : x1;
                double[] t = new double[30];
                for (int i = -10; i < 30; i++) {
                    try (Scope c = Scope.open(); GradientTape tape = GradientTape.start(false)) {
                        tape.watch(x);
                        Tensor y = switch (op) { case "tanh" -> x.tanh(); case "sigmoid" -> x.sigmoid(); default -> x.softmax(1); };
                        Tensor l = y.mul(y).sum();
                        long t0 = System.nanoTime();
                        Tensor g = tape.gradient(l, new Tensor[] {x})[0];
                        g.toFloatArray();
                        if (i >= 0) t[i] = (System.nanoTime() - t0) / 1e6;
                    }
                }
                java.util.Arrays.sort(t);
                System.out.printf("%s %s backward(+square,sum) median %.3f ms%n", a[0], op, t[15]);
            }
        }
    }
}
