package dev.lamina.bench;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backends;
import dev.lamina.backend.cpu.CpuBackend;
import dev.lamina.ops.ConvOps;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.Locale;

/**
 * Forward and backward time of the three convolution layers of the workshop CIFAR CNN (3x3 valid,
 * bias, ReLU: [B,32,32,3]→32, [B,15,15,32]→64, [B,6,6,64]→64) on the cpu backend, one op each way
 * ({@link ConvOps#conv2dBiasAct}; the first layer's input gradient is skipped, as in training),
 * on 1 and 2 threads; the best of 30 repetitions.
 *
 * <pre>
 *   java -cp "target/classes:$(cat target/runtime-classpath.txt)" dev.lamina.bench.ConvLayerBench [batch]
 * </pre>
 */
public final class ConvLayerBench {
    private ConvLayerBench() {
    }

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        Backends.setDefault(Backends.cpu());
        int[][] layers = {{32, 32, 3, 32}, {15, 15, 32, 64}, {6, 6, 64, 64}};
        int before = CpuBackend.threads();
        try {
            for (int threads : new int[] {1, 2}) {
                CpuBackend.setThreads(threads);
                for (int[] l : layers) {
                    double[] t = time(batch, l);
                    System.out.printf(Locale.ROOT, "threads %d, batch %d, %dx%dx%d -> %d: forward %.0f us, backward %.0f us%n",
                            threads, batch, l[0], l[1], l[2], l[3], t[0], t[1]);
                }
            }
        } finally {
            CpuBackend.setThreads(before);
        }
    }

    private static double[] time(int batch, int[] l) {
        boolean first = l[2] == 3;
        try (Scope s = Scope.open()) {
            Rng rng = new Rng(1);
            Tensor x = rng.uniform(DType.FLOAT32, -1, 1, batch, l[0], l[1], l[2]);
            Variable k = new Variable(rng.uniform(DType.FLOAT32, -0.1, 0.1, 3, 3, l[2], l[3]), "kernel", true);
            Variable b = new Variable(rng.uniform(DType.FLOAT32, -0.1, 0.1, l[3]), "bias", true);
            double fwd = Double.MAX_VALUE, bwd = Double.MAX_VALUE;
            try {
                for (int it = 0; it < 30; it++) {
                    try (Scope step = Scope.open(); GradientTape tape = GradientTape.start()) {
                        if (!first) {
                            tape.watch(x);
                        }
                        long t0 = System.nanoTime();
                        Tensor y = ConvOps.conv2dBiasAct(x, k, b, true, new int[] {1, 1}, "valid", new int[] {1, 1}, 1);
                        long t1 = System.nanoTime();
                        if (first) {
                            tape.gradient(y, k, b);
                        } else {
                            tape.gradient(y, x, k, b);
                        }
                        long t2 = System.nanoTime();
                        fwd = Math.min(fwd, (t1 - t0) / 1e3);
                        bwd = Math.min(bwd, (t2 - t1) / 1e3);
                    }
                }
            } finally {
                k.close();
                b.close();
            }
            return new double[] {fwd, bwd};
        }
    }
}
