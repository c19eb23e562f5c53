package dev.lamina.bench;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.backend.cpu.CpuBackend;
import dev.lamina.backend.cuda.CudaBackend;
import dev.lamina.cli.command.Checks;
import dev.lamina.cli.command.Command;
import dev.lamina.cli.command.UsageException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lamina bench launch|matmul|conv|pool|lstm|gru|cnn-train|lstm-train|fit|predict|forward [options]}:
 * the benchmark suite's command-line entry, one picocli subcommand per benchmark (the JMH benchmarks
 * are reached through {@code bin/lamina bench <JMH options>} in the bundle).
 *
 * <p>Without a usable CUDA device, {@code --backend cuda} (the default) prints why and measures
 * nothing, exiting 0: no device is a normal machine. {@code --backend cpu} measures the cpu backend
 * the same way.
 */
@CommandLine.Command(name = "bench", synopsisSubcommandLabel = "BENCHMARK",
        subcommands = {BenchCommand.Launch.class, BenchCommand.Matmul.class, BenchCommand.Conv.class, BenchCommand.Pool.class,
            BenchCommand.Lstm.class, BenchCommand.Gru.class, BenchCommand.CnnTrain.class, BenchCommand.LstmTrain.class,
            ModelBenchCommand.Fit.class, ModelBenchCommand.Predict.class, ModelBenchCommand.Forward.class},
        header = "benchmarks: op launch time, matmul GFLOP/s, layers, model fit/predict/forward",
        description = "'lamina bench BENCHMARK --help' describes a benchmark and its options. --backend cuda (the default"
                + " of launch, matmul and the layer benchmarks) without a usable CUDA device prints the reason and"
                + " measures nothing (exit 0).",
        footer = "exit codes: 0 measured (or no device), 1 a matmul result failed its check, 2 bad usage")
public final class BenchCommand {
    /** Default sizes of {@code bench matmul} on cuda (issue #6) and on the cpu. */
    static final List<Integer> CUDA_SIZES = List.of(512, 1024, 2048, 4096, 8192);
    static final List<Integer> CPU_SIZES = List.of(256, 512, 1024);

    /** {@code --backend cuda|cpu}, shared by launch, matmul and the layer benchmarks. */
    static final class BackendOption {
        @Option(names = "--backend", paramLabel = "B", description = "cuda (default) or cpu")
        String backend = "cuda";

        /** True for cuda, false for cpu. */
        boolean cuda() {
            String b = backend.trim().toLowerCase(Locale.ROOT);
            if (!b.equals("cuda") && !b.equals("cpu")) {
                throw new UsageException("--backend must be cuda or cpu, got '" + b + "'");
            }
            return b.equals("cuda");
        }
    }

    /** {@code bench launch}. */
    @CommandLine.Command(name = "launch", header = "median host time of one small op called from Java (µs, JNI included)",
            description = "Median host time of one float32 add of --size elements called from Java: backend.binary (checks,"
                    + " JNI, launch) and x.add(y) through the tensor API (plus output allocation and free); --iterations"
                    + " timed calls after --warmup.")
    static final class Launch implements Command {
        // ---- options of bench launch ----
        @CommandLine.Mixin
        BackendOption backend = new BackendOption();
        @Option(names = "--size", paramLabel = "N", description = "elements (default ${DEFAULT-VALUE})")
        int size = 1024;
        @Option(names = "--iterations", paramLabel = "N", description = "timed calls (default ${DEFAULT-VALUE})")
        int iterations = 20000;
        @Option(names = "--warmup", paramLabel = "N", description = "untimed calls first (default ${DEFAULT-VALUE})")
        int warmup = 2000;
        // ---- end of options ----

        @Override
        public int run(PrintStream out, PrintStream err) {
            boolean cuda = backend.cuda();
            int n = Checks.range("--size", size, 1, 1 << 28);
            int iters = Checks.range("--iterations", iterations, 1, 100_000_000);
            int warm = Checks.range("--warmup", warmup, 0, 100_000_000);
            if (cuda && !CudaBackend.instance().isAvailable()) {
                return noDevice("launch", out);
            }
            Backend be = cuda ? CudaBackend.instance() : Backends.cpu();
            return LaunchOverhead.run(be, device(be), n, iters, warm, out);
        }
    }

    /** {@code bench matmul}. */
    @CommandLine.Command(name = "matmul", header = "GFLOP/s of square float32 matmul, each result checked",
            description = "GFLOP/s of square float32 C = A*B for each size and precision (cuda: fp32 and tf32; cpu: fp32),"
                    + " each result checked against float64 dot products; with the optional org.bytedeco cuda preset on"
                    + " the class path, cuBLAS on the same buffers in the same run and the ratio lamina / cuBLAS.")
    static final class Matmul implements Command {
        // ---- options of bench matmul ----
        @CommandLine.Mixin
        BackendOption backend = new BackendOption();
        @Option(names = "--sizes", paramLabel = "N,N,...", description = "matrix sizes (cuda default 512,1024,2048,4096,8192;"
                + " cpu 256,512,1024)")
        String sizes;
        @Option(names = "--precision", paramLabel = "P,...", description = "fp32 and/or tf32 (default: cuda fp32,tf32; cpu fp32)")
        String precision;
        @Option(names = "--reps", paramLabel = "N", description = "repetitions (default: about 0.5 s each)")
        Integer reps;
        @Option(names = "--no-cublas", description = "skip the cuBLAS comparison")
        boolean noCublas;
        // ---- end of options ----

        @Override
        public int run(PrintStream out, PrintStream err) {
            boolean cuda = backend.cuda();
            List<Integer> n = parseSizes(sizes, cuda ? CUDA_SIZES : CPU_SIZES);
            List<GemmThroughput.Mode> modes = parseModes(precision != null ? precision : cuda ? "fp32,tf32" : "fp32");
            if (!cuda && modes.contains(GemmThroughput.Mode.TF32)) {
                throw new UsageException("--precision tf32 needs --backend cuda (the cpu backend has fp32 matmul only)");
            }
            int r = Checks.range("--reps", reps, 0, 1, 1_000_000);
            if (cuda && !CudaBackend.instance().isAvailable()) {
                return noDevice("matmul", out);
            }
            Backend be = cuda ? CudaBackend.instance() : Backends.cpu();
            return GemmThroughput.run(be, device(be), n, modes, r, !noCublas, out);
        }
    }

    /**
     * The layer benchmarks ({@link LayerBench}): conv3x3 B256 64-&gt;64 32x32 forward and backward
     * TFLOP/s; 2x2 max/avg pooling GB/s; LSTM/GRU forward and forward+backward at B64 T100 512-&gt;512
     * and B32 T20 1-&gt;64; the workshop CNN train step at B32/B256; the seed LSTM fit (100 epochs).
     */
    @CommandLine.Command(description = "Prints name: value lines. The layer benchmarks: conv (conv3x3 B256 64->64 32x32"
            + " forward and backward TFLOP/s), pool (2x2 max/avg pooling GB/s), lstm and gru (forward and"
            + " forward+backward at B64 T100 512->512 and B32 T20 1->64), cnn-train (the workshop CNN train step at"
            + " B32/B256), lstm-train (the seed LSTM fit, 100 epochs).")
    abstract static class LayerBenchCommand implements Command {
        @Spec
        CommandSpec spec;
        // ---- options of bench conv|pool|lstm|gru|cnn-train|lstm-train ----
        @CommandLine.Mixin
        BackendOption backend = new BackendOption();
        @Option(names = "--reps", paramLabel = "N", description = "repetitions (default: the benchmark's own)")
        Integer reps;
        @Option(names = "--quick", description = "tiny shapes (checks that they run)")
        boolean quick;
        // ---- end of options ----

        @Override
        public int run(PrintStream out, PrintStream err) {
            String what = spec.name();
            boolean cuda = backend.cuda();
            int r = Checks.range("--reps", reps, 0, 1, 1_000_000);
            if (cuda && !CudaBackend.instance().isAvailable()) {
                return noDevice(what, out);
            }
            Backend be = cuda ? CudaBackend.instance() : Backends.cpu();
            out.println("device: " + device(be));
            return new LayerBench(be, quick, r, out).run(what);
        }
    }

    /** {@code bench conv}. */
    @CommandLine.Command(name = "conv", header = "conv3x3 forward and backward TFLOP/s")
    static final class Conv extends LayerBenchCommand {
    }

    /** {@code bench pool}. */
    @CommandLine.Command(name = "pool", header = "2x2 max/avg pooling GB/s")
    static final class Pool extends LayerBenchCommand {
    }

    /** {@code bench lstm}. */
    @CommandLine.Command(name = "lstm", header = "LSTM forward and forward+backward")
    static final class Lstm extends LayerBenchCommand {
    }

    /** {@code bench gru}. */
    @CommandLine.Command(name = "gru", header = "GRU forward and forward+backward")
    static final class Gru extends LayerBenchCommand {
    }

    /** {@code bench cnn-train}. */
    @CommandLine.Command(name = "cnn-train", header = "the workshop CNN's train step")
    static final class CnnTrain extends LayerBenchCommand {
    }

    /** {@code bench lstm-train}. */
    @CommandLine.Command(name = "lstm-train", header = "the seed LSTM's fit")
    static final class LstmTrain extends LayerBenchCommand {
    }

    private static int noDevice(String what, PrintStream out) {
        out.println("lamina bench " + what + ": no usable CUDA device here (" + CudaBackend.unavailableReason()
                + "); nothing measured. --backend cpu measures the cpu backend.");
        return 0;
    }

    private static String device(Backend be) {
        if (be instanceof CudaBackend) {
            return CudaBackend.runtime().toString();
        }
        return "cpu: " + CpuBackend.threads() + " thread(s), kernels " + CpuBackend.cpuTarget() + ", "
                + System.getProperty("os.arch");
    }

    static List<Integer> parseSizes(String v, List<Integer> dflt) throws UsageException {
        if (v == null) {
            return dflt;
        }
        List<Integer> sizes = new ArrayList<>();
        for (String part : v.split(",")) {
            int n;
            try {
                n = Integer.parseInt(part.trim());
            } catch (NumberFormatException e) {
                throw new UsageException("--sizes: not an integer: '" + part.trim() + "'");
            }
            if (n < 1 || n > 16384) {
                throw new UsageException("--sizes: " + n + " is outside 1..16384");
            }
            sizes.add(n);
        }
        return sizes;
    }

    static List<GemmThroughput.Mode> parseModes(String v) throws UsageException {
        List<GemmThroughput.Mode> modes = new ArrayList<>();
        for (String part : v.split(",")) {
            try {
                GemmThroughput.Mode m = GemmThroughput.Mode.parse(part);
                if (!modes.contains(m)) {
                    modes.add(m);
                }
            } catch (IllegalArgumentException e) {
                throw new UsageException("--precision: " + e.getMessage());
            }
        }
        return modes;
    }
}
