package dev.lamina.bench;

import dev.lamina.cli.command.Checks;
import dev.lamina.cli.command.Command;
import dev.lamina.cli.command.UsageException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code lamina bench fit|predict|forward}: the model-level benchmarks (issue 13), subcommands of
 * {@link BenchCommand}. Benchmarks, not tests: they print {@code name: value} lines and check
 * nothing; the peers' figures come from {@code bench/peers/run_fit.sh}.
 */
final class ModelBenchCommand {
    private ModelBenchCommand() {
    }

    /** {@code bench fit}. */
    @CommandLine.Command(name = "fit", header = "seconds of model.fit on a workload",
            description = "Seconds of model.fit (the workload's epochs, batch 32, no shuffling): min and median of --repeats"
                    + " timed fits after one untimed fit. --graph sets lamina.graph (and FitOptions.graph where the build"
                    + " has a graph API). --threads N sets the cpu kernel threads.")
    static final class Fit implements Command {
        // ---- options of bench fit ----
        @Option(names = "--workload", paramLabel = "W", required = true, description = "seed-lstm, stacked-lstm, cifar-cnn"
                + " or digits-mlp")
        String workload;
        @Option(names = "--graph", paramLabel = "on|off", description = "traced graph execution on or off (default: the build's)")
        String graph;
        @Option(names = "--threads", paramLabel = "N", description = "cpu kernel threads (1 to 64)")
        Integer threads;
        @Option(names = "--repeats", paramLabel = "N", description = "timed fits (default ${DEFAULT-VALUE})")
        int repeats = 5;
        @Option(names = "--epochs", paramLabel = "N", description = "epochs per fit (default: the workload's)")
        Integer epochs;
        // ---- end of options ----

        @Override
        public int run(PrintStream out, PrintStream err) {
            String w = workload(workload, Workloads.NAMES);
            Boolean g = null;
            if (graph != null) {
                String v = graph.trim().toLowerCase(Locale.ROOT);
                if (!v.equals("on") && !v.equals("off")) {
                    throw new UsageException("--graph must be on or off, got '" + v + "'");
                }
                g = v.equals("on");
            }
            return FitBench.run(w, g, Checks.range("--threads", threads, 0, 1, 64), Checks.range("--repeats", repeats, 1, 1000),
                    Checks.range("--epochs", epochs, 0, 1, 10000), out);
        }
    }

    /** {@code bench predict}. */
    @CommandLine.Command(name = "predict", header = "microseconds of model.predict",
            description = "Microseconds of model.predict on --batch samples: min, median, p90 of --iterations calls after"
                    + " --warmup.")
    static final class Predict implements Command {
        // ---- options of bench predict ----
        @Option(names = "--workload", paramLabel = "W", description = "seed-lstm (default), stacked-lstm, cifar-cnn or digits-mlp")
        String workload = "seed-lstm";
        @Option(names = "--batch", paramLabel = "N", description = "samples per call (default ${DEFAULT-VALUE})")
        int batch = 1;
        @Option(names = "--threads", paramLabel = "N", description = "cpu kernel threads (1 to 64)")
        Integer threads;
        @Option(names = "--iterations", paramLabel = "N", description = "timed calls (default ${DEFAULT-VALUE})")
        int iterations = 5000;
        @Option(names = "--warmup", paramLabel = "N", description = "untimed calls first (default ${DEFAULT-VALUE})")
        int warmup = 1000;
        // ---- end of options ----

        @Override
        public int run(PrintStream out, PrintStream err) {
            String w = workload(workload, Workloads.NAMES);
            return PredictBench.run(w, Checks.range("--batch", batch, 1, 1 << 20), Checks.range("--threads", threads, 0, 1, 64),
                    Checks.range("--warmup", warmup, 0, 10_000_000), Checks.range("--iterations", iterations, 1, 100_000_000), out);
        }
    }

    /** {@code bench forward}. */
    @CommandLine.Command(name = "forward", header = "milliseconds of the LSTM(512) forward",
            description = "Milliseconds of the LSTM(512) forward over [64, 100, 512], return_sequences, no tape.")
    static final class Forward implements Command {
        // ---- options of bench forward ----
        @Option(names = "--workload", paramLabel = "W", description = "lstm512 (the only one)")
        String workload = "lstm512";
        @Option(names = "--batch", paramLabel = "N", description = "batch (default ${DEFAULT-VALUE})")
        int batch = 64;
        @Option(names = "--steps", paramLabel = "N", description = "time steps (default ${DEFAULT-VALUE})")
        int steps = 100;
        @Option(names = "--threads", paramLabel = "N", description = "cpu kernel threads (1 to 64)")
        Integer threads;
        @Option(names = "--repeats", paramLabel = "N", description = "timed runs (default ${DEFAULT-VALUE})")
        int repeats = 5;
        // ---- end of options ----

        @Override
        public int run(PrintStream out, PrintStream err) {
            workload(workload, List.of("lstm512"));
            return LstmForwardBench.run(Checks.range("--batch", batch, 1, 1 << 16), Checks.range("--steps", steps, 1, 1 << 16), 512,
                    Checks.range("--threads", threads, 0, 1, 64), Checks.range("--repeats", repeats, 1, 1000), out);
        }
    }

    private static String workload(String w, List<String> allowed) {
        if (!allowed.contains(w)) {
            throw new UsageException("unknown workload '" + w + "' (" + String.join(", ", allowed) + ")");
        }
        return w;
    }
}
