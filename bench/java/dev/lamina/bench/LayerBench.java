package dev.lamina.bench;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.backend.ConvGeometry;
import dev.lamina.backend.KernelDispatch;
import dev.lamina.backend.PoolGeometry;
import dev.lamina.backend.Storage;
import dev.lamina.backend.cuda.CudaBackend;
import dev.lamina.backend.cuda.CudaStorage;
import dev.lamina.backend.cuda.Precision;
import dev.lamina.examples.CifarCnn;
import dev.lamina.losses.MeanSquaredError;
import dev.lamina.models.FitOptions;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.optim.Adam;
import dev.lamina.ops.ConvOps;
import dev.lamina.types.DType;
import dev.lamina.ops.RecurrentOps;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.data.ImageOps;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Locale;

/**
 * {@code lamina bench conv|pool|lstm|gru|cnn-train|lstm-train}: the layer benchmarks of the GPU suite
 * (issue 12). Each prints {@code name: value} lines: the shape, the median time of timed
 * repetitions after warm-up ones (the device synchronized around each), and the achieved TFLOP/s
 * (convolution, recurrences: the matrix products' 2·m·n·k) or GB/s (pooling: bytes read and
 * written once), or steps/s and images/s (training). {@code --quick} runs tiny shapes, for the
 * test that checks each benchmark runs and prints its keys on the emulated device.
 *
 * <p>Peers, where the optional org.bytedeco cuda preset is on the class path (by reflection, as
 * {@link CublasPeer}), on the same shapes in the same run, with the ratio (cuDNN's time over
 * Lamina's: above 1 means Lamina is faster): {@code bench conv} cuDNN's convolution forward, fp32 and
 * tf32 ({@link CudnnPeer}); {@code bench pool} cuDNN's pooling forward and backward; {@code bench
 * lstm|gru} cuDNN's RNN forward (inference) and forward + backward (training), fp32 and tf32 math;
 * {@code bench lstm-train} cuDNN's LSTM forward + backward at the seed's step shape times the fit's
 * steps, the recurrence alone ({@link CudnnLayerPeer}); {@code bench cnn-train} the CNN's forward and
 * backward written with cuDNN and cuBLAS ({@link CudnnCnnStep}: layers and the softmax gradient, no loss
 * value or Adam step, so a lower bound), fp32 and tf32. The pool, recurrent and CNN-step peers were
 * written without a GPU and have never run.
 */
final class LayerBench {
    /** The benchmarks, in the order the bundle's gpu-check runs them. */
    static final java.util.List<String> NAMES = java.util.List.of("conv", "pool", "lstm", "gru", "cnn-train",
            "lstm-train");

    private final Backend be;
    private final boolean quick;
    private final PrintStream out;
    private final int reps;

    LayerBench(Backend be, boolean quick, int reps, PrintStream out) {
        this.be = be;
        this.quick = quick;
        this.reps = reps > 0 ? reps : (quick ? 2 : 20);
        this.out = out;
    }

    /** Runs one benchmark by name; returns the exit code (0). */
    int run(String name) {
        out.println("bench: " + name);
        out.println("backend: " + be.name());
        try (var u = Backends.use(be)) {
            switch (name) {
                case "conv" -> conv();
                case "pool" -> pool();
                case "lstm" -> recurrent(true);
                case "gru" -> recurrent(false);
                case "cnn-train" -> cnnTrain();
                case "lstm-train" -> lstmTrain();
                default -> throw new IllegalArgumentException("unknown benchmark " + name);
            }
        }
        return 0;
    }

    private void sync() {
        if (be instanceof CudaBackend c) {
            c.synchronize();
        }
    }

    /** Median seconds of {@code reps} timed runs of body after max(1, reps/4) untimed ones. */
    private double time(Runnable body) {
        int warm = Math.max(1, reps / 4);
        for (int i = 0; i < warm; i++) {
            body.run();
        }
        sync();
        long[] ns = new long[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            body.run();
            sync();
            ns[i] = System.nanoTime() - t0;
        }
        return new Samples(ns).median() / 1e9;
    }

    private void line(String key, String fmt, Object... args) {
        out.println(key + ": " + String.format(Locale.ROOT, fmt, args));
    }

    private void timed(String key, double sec, double flops) {
        line(key + ".ms", "%.4f", sec * 1e3);
        line(key + ".tflops", "%.4g", flops / sec / 1e12);
    }

    private Storage random(Rng rng, long... shape) {
        Tensor t = rng.uniform(DType.FLOAT32, -1, 1, shape);
        return t.storage();
    }

    // ---- conv: 3x3 "same", stride 1, bias + ReLU, forward and both gradients -------------------

    private void conv() {
        int b = quick ? 2 : 256, c = quick ? 8 : 64, k = quick ? 8 : 64, h = quick ? 8 : 32;
        long[] xs = {b, h, h, c}, ks = {3, 3, c, k};
        ConvGeometry g = ConvOps.conv2dGeometry(xs, ks, new int[] {1, 1}, "same", new int[] {1, 1}, 1);
        line("conv.shape", "x [%d,%d,%d,%d] kernel [3,3,%d,%d] same stride 1, bias+relu, float32", b, h, h, c, c, k);
        double flops = 2.0 * b * g.outH() * g.outW() * k * 9.0 * c;
        try (Scope s = Scope.open()) {
            Rng rng = new Rng(1);
            Storage x = random(rng, xs), w = random(rng, ks), bias = random(rng, k);
            Storage y = Tensor.zeros(DType.FLOAT32, b, g.outH(), g.outW(), k).storage();
            Storage dy = random(rng, b, g.outH(), g.outW(), k);
            Storage dx = Tensor.zeros(DType.FLOAT32, xs).storage(), dw = Tensor.zeros(DType.FLOAT32, ks).storage();
            Storage db = Tensor.zeros(DType.FLOAT32, k).storage();
            double fwd = time(() -> KernelDispatch.conv2dForwardFused(be, x, w, bias, true, y, g));
            timed("conv.forward", fwd, flops);
            double fwdTf32 = Double.NaN;
            if (be instanceof CudaBackend) {
                Precision before = CudaBackend.precision();
                try {
                    CudaBackend.setPrecision(Precision.HIGH);
                    fwdTf32 = time(() -> KernelDispatch.conv2dForwardFused(be, x, w, bias, true, y, g));
                    timed("conv.forward.tf32", fwdTf32, flops);
                } finally {
                    CudaBackend.setPrecision(before);
                }
            }
            double bwd = time(() -> KernelDispatch.conv2dBackwardFused(be, x, w, y, dy, true, dx, dw, db, g));
            timed("conv.backward", bwd, 2 * flops);
            cudnnConv(rng, g, b, h, c, k, flops, fwd, fwdTf32);
        }
    }

    /**
     * cuDNN's forward on the same shape (its own KRSC filter of random values; results not
     * compared), fp32 and tf32, and Lamina's ratio; or why not. The convolution alone: cuDNN's time
     * has no bias and ReLU, Lamina's has them fused.
     */
    private void cudnnConv(Rng rng, ConvGeometry g, int b, int h, int c, int k, double flops, double fwd,
                           double fwdTf32) {
        if (!(be instanceof CudaBackend)) {
            out.println("cudnn: not measured (backend " + be.name() + ")");
            return;
        }
        StringBuilder why = new StringBuilder();
        CudnnPeer peer = CudnnPeer.load(why);
        if (peer == null) {
            out.println("cudnn: not measured (" + why + ")");
            return;
        }
        out.println("cudnn: " + peer.describe());
        try (Scope s = Scope.open()) {
            Storage x = random(rng, b, h, h, c), w = random(rng, k, 3, 3, c);
            Storage y = Tensor.zeros(DType.FLOAT32, b, g.outH(), g.outW(), k).storage();
            for (boolean tf32 : new boolean[] {false, true}) {
                CudnnPeer.Forward f = peer.forward(b, h, h, c, k, 3, 3, g.padTop(), g.padLeft(), g.outH(), g.outW(),
                        tf32);
                Storage ws = Tensor.zeros(DType.FLOAT32, Math.max(1, (f.workspaceBytes + 3) / 4)).storage();
                long xa = ((CudaStorage) x).address(), wa = ((CudaStorage) w).address();
                long ya = ((CudaStorage) y).address(), wsa = ((CudaStorage) ws).address();
                sync();
                double sec = timeWith(() -> f.run(xa, wa, ya, wsa), peer::synchronize);
                String key = tf32 ? "cudnn.conv.forward.tf32" : "cudnn.conv.forward";
                timed(key, sec, flops);
                double mine = tf32 ? fwdTf32 : fwd;
                line((tf32 ? "conv.forward.tf32" : "conv.forward") + ".ratio_vs_cudnn", "%.3f", sec / mine);
            }
        } catch (RuntimeException e) {
            out.println("cudnn: failed (" + e.getMessage() + ")");
        }
    }

    /** As {@link #time} with another synchronisation (a peer's device-wide one). */
    private double timeWith(Runnable body, Runnable syncAll) {
        int warm = Math.max(1, reps / 4);
        for (int i = 0; i < warm; i++) {
            body.run();
        }
        syncAll.run();
        long[] ns = new long[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            body.run();
            syncAll.run();
            ns[i] = System.nanoTime() - t0;
        }
        return new Samples(ns).median() / 1e9;
    }

    // ---- pool: 2x2 stride 2 max and average, forward and backward ------------------------------

    private void pool() {
        int b = quick ? 2 : 256, c = quick ? 8 : 64, h = quick ? 8 : 32;
        long[] xs = {b, h, h, c};
        PoolGeometry g = ConvOps.pool2dGeometry("maxPool2d", xs, new int[] {2, 2}, null, "valid");
        line("pool.shape", "x [%d,%d,%d,%d] window 2x2 stride 2 valid, float32", b, h, h, c);
        double in = 4.0 * g.inputNumel(), outB = 4.0 * g.outputNumel();
        try (Scope s = Scope.open()) {
            Rng rng = new Rng(2);
            Storage x = random(rng, xs), dy = random(rng, b, g.outH(), g.outW(), c);
            Storage y = Tensor.zeros(DType.FLOAT32, b, g.outH(), g.outW(), c).storage();
            Storage dx = Tensor.zeros(DType.FLOAT32, xs).storage();
            double[] mine = new double[4];
            mine[0] = time(() -> KernelDispatch.maxPool2dForward(be, x, y, g));
            gbps("pool.max.forward", mine[0], in + outB);
            mine[1] = time(() -> KernelDispatch.maxPool2dBackward(be, x, dy, dx, g));
            gbps("pool.max.backward", mine[1], 2 * in + outB);
            mine[2] = time(() -> KernelDispatch.avgPool2dForward(be, x, y, g));
            gbps("pool.avg.forward", mine[2], in + outB);
            mine[3] = time(() -> KernelDispatch.avgPool2dBackward(be, dy, dx, g));
            gbps("pool.avg.backward", mine[3], in + outB);
            cudnnPool(x, y, dy, dx, b, h, c, in, outB, mine);
        }
    }

    /** The peer for the layer benchmarks, or null after printing why not ({@code cudnn: not measured}). */
    private CudnnLayerPeer layerPeer() {
        if (!(be instanceof CudaBackend)) {
            out.println("cudnn: not measured (backend " + be.name() + ")");
            return null;
        }
        StringBuilder why = new StringBuilder();
        CudnnLayerPeer peer = CudnnLayerPeer.load(why);
        if (peer == null) {
            out.println("cudnn: not measured (" + why + ")");
            return null;
        }
        out.println("cudnn: " + peer.describe());
        return peer;
    }

    private static long addr(Storage s) {
        return ((CudaStorage) s).address();
    }

    /** cuDNN's pooling on the same tensors (max and average, forward and backward) and the ratios. */
    private void cudnnPool(Storage x, Storage y, Storage dy, Storage dx, int b, int h, int c, double in, double outB,
                           double[] mine) {
        CudnnLayerPeer peer = layerPeer();
        if (peer == null) {
            return;
        }
        try {
            String[] keys = {"pool.max.forward", "pool.max.backward", "pool.avg.forward", "pool.avg.backward"};
            double[] bytes = {in + outB, 2 * in + outB, in + outB, in + outB};
            for (int i = 0; i < 4; i++) {
                CudnnLayerPeer.Pool p = peer.pool(b, h, h, c, i < 2);
                boolean fwd = i % 2 == 0;
                sync();
                double sec = timeWith(fwd ? () -> p.forward(addr(x), addr(y))
                        : () -> p.backward(addr(y), addr(dy), addr(x), addr(dx)), peer::synchronize);
                gbps("cudnn." + keys[i], sec, bytes[i]);
                line(keys[i] + ".ratio_vs_cudnn", "%.3f", sec / mine[i]);
            }
        } catch (RuntimeException e) {
            out.println("cudnn: failed (" + e.getMessage() + ")");
        }
    }

    private void gbps(String key, double sec, double bytes) {
        line(key + ".ms", "%.4f", sec * 1e3);
        line(key + ".gbps", "%.4g", bytes / sec / 1e9);
    }

    // ---- lstm / gru: B64 T100 512->512 and the seed's B32 T20 1->64, forward and forward+backward ------

    private void recurrent(boolean lstm) {
        String name = lstm ? "lstm" : "gru";
        int gates = lstm ? 4 : 3;
        int[][] shapes = quick ? new int[][] {{2, 3, 4, 8}, {2, 3, 1, 4}}
                : new int[][] {{64, 100, 512, 512}, {32, 20, 1, 64}};
        for (int[] sh : shapes) {
            int b = sh[0], t = sh[1], in = sh[2], hid = sh[3];
            String key = name + ".b" + b + "t" + t + "i" + in + "h" + hid;
            line(key + ".shape", "x [%d,%d,%d] units %d, float32, returnSequences", b, t, in, hid);
            double flops = 2.0 * b * t * (in + (double) hid) * gates * hid;
            try (Scope s = Scope.open()) {
                Rng rng = new Rng(3);
                Tensor x = rng.uniform(DType.FLOAT32, -1, 1, b, t, in);
                Tensor k = rng.uniform(DType.FLOAT32, -0.1, 0.1, in, gates * hid);
                Tensor rk = rng.uniform(DType.FLOAT32, -0.1, 0.1, hid, gates * hid);
                Tensor bias = lstm ? rng.uniform(DType.FLOAT32, -0.1, 0.1, gates * hid)
                        : rng.uniform(DType.FLOAT32, -0.1, 0.1, 2, gates * hid);
                double fwd = time(() -> {
                    try (Scope inner = Scope.open()) {
                        run(lstm, x, k, rk, bias);
                    }
                });
                timed(key + ".forward", fwd, flops);
                double both = time(() -> {
                    try (Scope inner = Scope.open(); GradientTape tape = GradientTape.start()) {
                        tape.watch(x, k, rk, bias);
                        Tensor y = run(lstm, x, k, rk, bias);
                        tape.gradient(y.sum(), x, k, rk, bias);
                    }
                });
                // backward: the input gradients and both weight gradients, about twice the forward's products
                timed(key + ".forward_backward", both, 3 * flops);
                cudnnRnn(lstm, key, b, t, in, hid, flops, fwd, both);
            }
        }
    }

    /**
     * cuDNN's RNN on the same shape (its own weight space of zeros; results not compared), fp32 (FMA
     * math) and tf32 (default math): forward (inference) and forward + backward (training: backward
     * data, then weights), and Lamina's ratios against its forward and forward + backward.
     */
    private void cudnnRnn(boolean lstm, String key, int b, int t, int in, int hid, double flops, double fwd,
                          double both) {
        CudnnLayerPeer peer = layerPeer();
        if (peer == null) {
            return;
        }
        try (Scope s = Scope.open()) {
            Rng rng = new Rng(4);
            Storage seq = Tensor.full(DType.INT32, t, b).storage();
            Storage x = random(rng, b, t, in), y = Tensor.zeros(DType.FLOAT32, b, t, hid).storage();
            Storage dy = random(rng, b, t, hid), dx = Tensor.zeros(DType.FLOAT32, b, t, in).storage();
            for (boolean tf32 : new boolean[] {false, true}) {
                CudnnLayerPeer.Rnn r = peer.rnn(lstm, b, t, in, hid, tf32);
                Storage w = bytes(r.weightBytes), dw = bytes(r.weightBytes), ws = bytes(r.workBytes);
                Storage rs = bytes(r.reserveBytes);
                long sq = addr(seq), xa = addr(x), ya = addr(y), dya = addr(dy), dxa = addr(dx), wa = addr(w);
                long dwa = addr(dw), wsa = addr(ws), rsa = addr(rs);
                sync();
                double f = timeWith(() -> r.forward(false, sq, xa, ya, 0, 0, wa, wsa, 0), peer::synchronize);
                double fb = timeWith(() -> {
                    r.forward(true, sq, xa, ya, 0, 0, wa, wsa, rsa);
                    r.backward(sq, xa, ya, dya, dxa, 0, 0, wa, dwa, wsa, rsa);
                }, peer::synchronize);
                String k = "cudnn." + key + (tf32 ? ".tf32" : "");
                timed(k + ".forward", f, flops);
                timed(k + ".forward_backward", fb, 3 * flops);
                line(key + ".forward.ratio_vs_" + (tf32 ? "cudnn_tf32" : "cudnn"), "%.3f", f / fwd);
                line(key + ".forward_backward.ratio_vs_" + (tf32 ? "cudnn_tf32" : "cudnn"), "%.3f", fb / both);
            }
        } catch (RuntimeException e) {
            out.println("cudnn: failed (" + e.getMessage() + ")");
        }
    }

    /** A zeroed device buffer of at least {@code n} bytes (float32 elements, at least one). */
    private static Storage bytes(long n) {
        return Tensor.zeros(DType.FLOAT32, Math.max(1, (n + 3) / 4)).storage();
    }

    private static Tensor run(boolean lstm, Tensor x, Tensor k, Tensor rk, Tensor bias) {
        return lstm ? RecurrentOps.lstm(x, k, rk, bias, null, null, true)[0]
                : RecurrentOps.gru(x, k, rk, bias, null, true)[0];
    }

    // ---- training ---------------------------------------------------------------------------------

    /** The workshop CIFAR CNN's fit at B32 and B256: one timed epoch of several steps. */
    private void cnnTrain() {
        int[] batches = quick ? new int[] {2} : new int[] {32, 256};
        int steps = quick ? 2 : 20;
        for (int batch : batches) {
            String key = "cnn-train.b" + batch;
            int n = batch * steps;
            line(key + ".shape", "CifarCnn, x [%d,32,32,3], %d steps a fit, Adam, float32", n, steps);
            try (Scope s = Scope.open(); Sequential model = CifarCnn.buildCompiled(1L)) {
                model.setOutput(new PrintStream(OutputStream.nullOutputStream()));
                Rng rng = new Rng(7);
                Tensor x = rng.uniform(DType.FLOAT32, 0, 1, n, 32, 32, 3);
                int[] labels = new int[n];
                for (int i = 0; i < n; i++) {
                    labels[i] = (int) rng.nextLong(10);
                }
                Tensor y = ImageOps.toCategorical(labels, 10);
                FitOptions opts = new FitOptions().epochs(1).batchSize(batch).verbose(0).seed(3L);
                double sec = timeFits(() -> model.fit(x, y, opts));
                line(key + ".step.ms", "%.3f", sec / steps * 1e3);
                line(key + ".images_per_s", "%.1f", n / sec);
                cudnnCnnStep(key, batch, sec / steps);
            }
        }
    }

    /**
     * cuDNN + cuBLAS's forward and backward of the same CNN at batch {@code batch} ({@link
     * CudnnCnnStep}: no loss value, no Adam step), fp32 and tf32, on zeroed device buffers, and
     * Lamina's whole step time over it ("ratio_vs_cudnn_layers_only": above 1 means Lamina's step is
     * faster than cuDNN's layers alone).
     */
    private void cudnnCnnStep(String key, int batch, double stepSec) {
        if (!(be instanceof CudaBackend)) {
            out.println("cudnn: not measured (backend " + be.name() + ")");
            return;
        }
        try (Scope s = Scope.open()) {
            java.util.Map<String, Long> addresses = new java.util.HashMap<>();
            for (var e : CudnnCnnStep.bufferSizes(batch).entrySet()) {
                addresses.put(e.getKey(), addr(Tensor.zeros(DType.FLOAT32, e.getValue()).storage()));
            }
            for (boolean tf32 : new boolean[] {false, true}) {
                StringBuilder why = new StringBuilder();
                CudnnCnnStep step = CudnnCnnStep.load(batch, tf32, addresses, why);
                if (step == null) {
                    out.println("cudnn: not measured (" + why + ")");
                    return;
                }
                if (!tf32) {
                    out.println("cudnn: " + step.describe());
                }
                step.setWorkspace(addr(bytes(step.workspaceBytes())));
                sync();
                double sec = timeWith(step::step, step::synchronize);
                String k = "cudnn." + key + (tf32 ? ".tf32" : "") + ".layers_only";
                line(k + ".step.ms", "%.4f", sec * 1e3);
                line(k + ".images_per_s", "%.1f", batch / sec);
                line(key + ".step.ratio_vs_cudnn" + (tf32 ? "_tf32" : "") + "_layers_only", "%.3f", sec / stepSec);
            }
        } catch (RuntimeException e) {
            out.println("cudnn: failed (" + e.getMessage() + ")");
        }
    }

    /** Median of a few timed fits after one untimed one (fits are long: fewer repetitions). */
    private double timeFits(Runnable fit) {
        fit.run();
        sync();
        int n = quick ? 1 : 3;
        long[] ns = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            fit.run();
            sync();
            ns[i] = System.nanoTime() - t0;
        }
        return new Samples(ns).median() / 1e9;
    }

    /**
     * The seed LSTM forecaster's fit: LSTM(64) → Dense(32, relu) → Dense(4), Adam, MSE, windows of
     * 20 weeks of one feature, 704 samples in batches of 32 (22 steps an epoch), 100 epochs (2,200
     * steps). Timed once after a one-epoch warm-up.
     */
    private void lstmTrain() {
        int samples = quick ? 8 : 704, epochs = quick ? 2 : 100, batch = quick ? 4 : 32, t = quick ? 3 : 20;
        int stepsPerEpoch = (samples + batch - 1) / batch;
        line("lstm-train.shape", "LSTM(64)-Dense(32,relu)-Dense(4), x [%d,%d,1], batch %d, %d epochs (%d steps)",
                samples, t, batch, epochs, epochs * stepsPerEpoch);
        try (Scope s = Scope.open(); Sequential model = new Sequential(new Input(t, 1), new LSTM(64),
                new Dense(32, "relu"), new Dense(4))) {
            model.setOutput(new PrintStream(OutputStream.nullOutputStream()));
            model.compile(new Adam(1e-3), new MeanSquaredError());
            Rng rng = new Rng(11);
            Tensor x = rng.uniform(DType.FLOAT32, 0, 1, samples, t, 1);
            Tensor y = rng.uniform(DType.FLOAT32, 0, 1, samples, 4);
            model.fit(x, y, new FitOptions().epochs(1).batchSize(batch).verbose(0).seed(5L));
            sync();
            long t0 = System.nanoTime();
            model.fit(x, y, new FitOptions().epochs(epochs).batchSize(batch).verbose(0).seed(5L));
            sync();
            double sec = (System.nanoTime() - t0) / 1e9;
            line("lstm-train.fit.s", "%.3f", sec);
            line("lstm-train.step.ms", "%.4f", sec / (epochs * stepsPerEpoch) * 1e3);
            cudnnLstmTrain(batch, t, epochs * stepsPerEpoch, sec);
        }
    }

    /**
     * cuDNN's share of the same fit: its LSTM(64) forward + backward (training mode, data and weights)
     * at the step shape [batch, t, 1], timed, times the fit's steps. The recurrence alone (no dense
     * layers, loss or optimizer): a lower bound for a cuDNN fit, printed as such.
     */
    private void cudnnLstmTrain(int batch, int t, int steps, double fitSec) {
        CudnnLayerPeer peer = layerPeer();
        if (peer == null) {
            return;
        }
        try (Scope s = Scope.open()) {
            Rng rng = new Rng(12);
            CudnnLayerPeer.Rnn r = peer.rnn(true, batch, t, 1, 64, false);
            Storage seq = Tensor.full(DType.INT32, t, batch).storage();
            Storage x = random(rng, batch, t, 1), y = Tensor.zeros(DType.FLOAT32, batch, t, 64).storage();
            Storage dy = random(rng, batch, t, 64), dx = Tensor.zeros(DType.FLOAT32, batch, t, 1).storage();
            Storage w = bytes(r.weightBytes), dw = bytes(r.weightBytes), ws = bytes(r.workBytes);
            Storage rs = bytes(r.reserveBytes);
            sync();
            double step = timeWith(() -> {
                r.forward(true, addr(seq), addr(x), addr(y), 0, 0, addr(w), addr(ws), addr(rs));
                r.backward(addr(seq), addr(x), addr(y), addr(dy), addr(dx), 0, 0, addr(w), addr(dw), addr(ws), addr(rs));
            }, peer::synchronize);
            line("cudnn.lstm-train.lstm_only.step.ms", "%.4f", step * 1e3);
            line("cudnn.lstm-train.lstm_only.fit.s", "%.3f", step * steps);
            line("lstm-train.fit.ratio_vs_cudnn_lstm_only", "%.3f", step * steps / fitSec);
        } catch (RuntimeException e) {
            out.println("cudnn: failed (" + e.getMessage() + ")");
        }
    }
}
