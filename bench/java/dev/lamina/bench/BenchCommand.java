package dev.lamina.bench;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.backend.cpu.CpuBackend;
import dev.lamina.backend.cuda.CudaBackend;
import dev.lamina.cli.Command;
import dev.lamina.cli.Options;
import dev.lamina.cli.UsageException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code lamina bench launch|matmul|conv|pool|lstm|gru|cnn-train|lstm-train [options]}: the GPU benchmark suite's command-line entry (the
 * JMH benchmarks are reached through {@code bin/lamina bench <JMH options>} in the bundle).
 *
 * <p>Without a usable CUDA device, {@code --backend cuda} (the default) prints why and measures
 * nothing, exiting 0: no device is a normal machine. {@code --backend cpu} measures the cpu backend
 * the same way.
 */
public final class BenchCommand implements Command {
    /** Default sizes of {@code bench matmul} on cuda (issue #6) and on the cpu. */
    static final List<Integer> CUDA_SIZES = List.of(512, 1024, 2048, 4096, 8192);
    static final List<Integer> CPU_SIZES = List.of(256, 512, 1024);
    /** The benchmark names, for messages. */
    private static final String BENCHMARKS = "launch, matmul, " + String.join(", ", LayerBench.NAMES);

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "benchmarks: launch (host time of one small op), matmul (GFLOP/s, against cuBLAS where present),"
                + " fit, predict, forward (model workloads)";
    }

    @Override
    public String help() {
        return "usage: lamina bench launch [--backend cuda|cpu] [--size N] [--iterations N] [--warmup N]\n"
                + "       lamina bench matmul [--backend cuda|cpu] [--sizes N,N,...] [--precision fp32,tf32]\n"
                + "                           [--reps N] [--no-cublas]\n"
                + ModelBenchCommand.HELP
                + "\n"
                + "launch   median host time of one float32 add of --size elements (default 1024) called from Java:\n"
                + "         backend.binary (checks, JNI, launch) and x.add(y) through the tensor API (plus output\n"
                + "         allocation and free); --iterations timed calls (default 20000) after --warmup (2000).\n"
                + "matmul   GFLOP/s of square float32 C = A*B for each size (cuda default 512,1024,2048,4096,8192;\n"
                + "         cpu 256,512,1024) and precision (cuda: fp32 and tf32; cpu: fp32), each result checked\n"
                + "         against float64 dot products; with the optional org.bytedeco cuda preset on the class\n"
                + "         path, cuBLAS on the same buffers in the same run and the ratio lamina / cuBLAS\n"
                + "         (--no-cublas skips it). --reps fixes the repetitions (default: about 0.5 s each).\n"
                + "\n"
                + "--backend  cuda (default) or cpu. Without a usable CUDA device, cuda prints the reason and\n"
                + "           measures nothing (exit 0).\n"
                + "       lamina bench conv|pool|lstm|gru|cnn-train|lstm-train [--backend cuda|cpu] [--reps N] [--quick]\n"
                + "\n"
                + "conv, pool, lstm, gru, cnn-train, lstm-train: the layer benchmarks (name: value lines): conv3x3\n"
                + "         B256 64->64 32x32 forward and backward TFLOP/s; 2x2 max/avg pooling GB/s; LSTM/GRU forward\n"
                + "         and forward+backward at B64 T100 512->512 and B32 T20 1->64; the workshop CNN train step at\n"
                + "         B32/B256; the seed LSTM fit (100 epochs). --quick: tiny shapes (checks that they run).\n"
                + "\n"
                + "exit codes: 0 measured (or no device), 1 a matmul result failed its check, 2 bad usage\n";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        if (!args.isEmpty() && ModelBenchCommand.NAMES.contains(args.get(0))) {
            return ModelBenchCommand.run(args, out);
        }
        Options o = Options.parse(args, Set.of("backend", "size", "iterations", "warmup", "sizes", "precision", "reps"),
                Set.of("no-cublas", "quick"));
        if (o.positional().size() != 1) {
            throw new UsageException(o.positional().isEmpty() ? "missing benchmark (" + BENCHMARKS + ")"
                    : "one benchmark at a time, got " + o.positional());
        }
        String what = o.positional().get(0);
        if (LayerBench.NAMES.contains(what)) {
            return layerBench(what, o, out);
        }
        if (!what.equals("launch") && !what.equals("matmul")) {
            throw new UsageException("unknown benchmark '" + what + "' (" + BENCHMARKS + ")");
        }
        String backendName = o.get("backend", "cuda").trim().toLowerCase(Locale.ROOT);
        if (!backendName.equals("cuda") && !backendName.equals("cpu")) {
            throw new UsageException("--backend must be cuda or cpu, got '" + backendName + "'");
        }
        boolean cuda = backendName.equals("cuda");
        if (what.equals("launch")) {
            int size = o.getInt("size", 1024, 1, 1 << 28);
            int iterations = o.getInt("iterations", 20000, 1, 100_000_000);
            int warmup = o.getInt("warmup", 2000, 0, 100_000_000);
            rejectOthers(o, "launch", Set.of("backend", "size", "iterations", "warmup"));
            if (cuda && !CudaBackend.instance().isAvailable()) {
                return noDevice("launch", out);
            }
            Backend be = cuda ? CudaBackend.instance() : Backends.cpu();
            return LaunchOverhead.run(be, device(be), size, iterations, warmup, out);
        }
        List<Integer> sizes = parseSizes(o.get("sizes", null), cuda ? CUDA_SIZES : CPU_SIZES);
        List<GemmThroughput.Mode> modes = parseModes(o.get("precision", cuda ? "fp32,tf32" : "fp32"));
        if (!cuda && modes.contains(GemmThroughput.Mode.TF32)) {
            throw new UsageException("--precision tf32 needs --backend cuda (the cpu backend has fp32 matmul only)");
        }
        int reps = o.getInt("reps", 0, 1, 1_000_000);
        rejectOthers(o, "matmul", Set.of("backend", "sizes", "precision", "reps", "no-cublas"));
        if (cuda && !CudaBackend.instance().isAvailable()) {
            return noDevice("matmul", out);
        }
        Backend be = cuda ? CudaBackend.instance() : Backends.cpu();
        return GemmThroughput.run(be, device(be), sizes, modes, reps, !o.has("no-cublas"), out);
    }

    /** bench conv|pool|lstm|gru|cnn-train|lstm-train ({@link LayerBench}). */
    private static int layerBench(String what, Options o, PrintStream out) throws UsageException {
        String backendName = o.get("backend", "cuda").trim().toLowerCase(Locale.ROOT);
        if (!backendName.equals("cuda") && !backendName.equals("cpu")) {
            throw new UsageException("--backend must be cuda or cpu, got '" + backendName + "'");
        }
        int reps = o.getInt("reps", 0, 1, 1_000_000);
        rejectOthers(o, what, Set.of("backend", "reps", "quick"));
        boolean cuda = backendName.equals("cuda");
        if (cuda && !CudaBackend.instance().isAvailable()) {
            return noDevice(what, out);
        }
        Backend be = cuda ? CudaBackend.instance() : Backends.cpu();
        out.println("device: " + device(be));
        return new LayerBench(be, o.has("quick"), reps, out).run(what);
    }

    private static void rejectOthers(Options o, String what, Set<String> allowed) throws UsageException {
        for (String name : List.of("size", "iterations", "warmup", "sizes", "precision", "reps", "no-cublas",
                "quick")) {
            if (o.has(name) && !allowed.contains(name)) {
                throw new UsageException("--" + name + " is not an option of bench " + what);
            }
        }
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
