package dev.lamina.bench;

import dev.lamina.types.DType;
import dev.lamina.ops.RecurrentOps;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.io.PrintStream;

/**
 * {@code lamina bench forward --workload lstm512}: the forward pass of one LSTM layer over a whole
 * sequence, no tape: x [B, T, H] (default 64 × 100 × 512), LSTM(H), return_sequences, through
 * {@link RecurrentOps#lstm} (what the LSTM layer calls). Prints min and median milliseconds of
 * {@code repeats} calls after 2 untimed ones, and GFLOP/s counting the two products only
 * (2·B·T·(I + H)·4H floating-point operations). The PyTorch peer is
 * {@code bench/peers/lstm_forward_torch.py}.
 */
final class LstmForwardBench {
    private LstmForwardBench() {
    }

    static int run(int batch, int steps, int units, int threads, int repeats, PrintStream out) {
        BenchReport.threads(threads);
        try (Scope scope = Scope.open()) {
            Rng rng = new Rng(11);
            double a = 1 / Math.sqrt(units);
            Tensor x = rng.uniform(DType.FLOAT32, -1, 1, batch, steps, units);
            Tensor k = rng.uniform(DType.FLOAT32, -a, a, units, 4L * units);
            Tensor rk = rng.uniform(DType.FLOAT32, -a, a, units, 4L * units);
            Tensor bias = rng.uniform(DType.FLOAT32, -a, a, 4L * units);
            BenchReport.line(out, "benchmark", "forward");
            BenchReport.line(out, "workload", "lstm" + units);
            BenchReport.machine(out);
            BenchReport.line(out, "shape", batch + "x" + steps + "x" + units);
            double flop = 2.0 * batch * steps * (2.0 * units) * 4.0 * units;
            BenchReport.line(out, "gflop", flop / 1e9);
            for (int i = 0; i < 2; i++) {
                closeAll(RecurrentOps.lstm(x, k, rk, bias, null, null, true));
            }
            double[] ms = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                Tensor[] y = RecurrentOps.lstm(x, k, rk, bias, null, null, true);
                ms[r] = (System.nanoTime() - t0) / 1e6;
                closeAll(y);
            }
            BenchReport.line(out, "repeats", repeats);
            BenchReport.line(out, "forward_ms_min", BenchReport.min(ms));
            BenchReport.line(out, "forward_ms_median", BenchReport.median(ms));
            BenchReport.line(out, "gflops_at_min", flop / 1e6 / BenchReport.min(ms));
            BenchReport.line(out, "load_average_end", BenchReport.loadAverage());
        }
        return 0;
    }

    private static void closeAll(Tensor[] ts) {
        for (Tensor t : ts) {
            t.close();
        }
    }
}
