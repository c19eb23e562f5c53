package dev.lamina.bench;

import dev.lamina.cli.Options;
import dev.lamina.cli.UsageException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code lamina bench fit|predict|forward}: the model-level benchmarks (issue 13), reached through
 * {@link BenchCommand}. Benchmarks, not tests: they print {@code name: value} lines and check
 * nothing; the peers' figures come from {@code bench/peers/run_fit.sh}.
 */
final class ModelBenchCommand {
    /** The subcommands handled here. */
    static final Set<String> NAMES = Set.of("fit", "predict", "forward");

    static final String HELP = ""
            + "       lamina bench fit --workload " + String.join("|", Workloads.NAMES) + "\n"
            + "                        [--graph on|off] [--threads N] [--repeats N] [--epochs N]\n"
            + "       lamina bench predict --workload seed-lstm [--batch N] [--threads N] [--iterations N] [--warmup N]\n"
            + "       lamina bench forward [--workload lstm512] [--batch N] [--steps N] [--threads N] [--repeats N]\n"
            + "\n"
            + "fit      seconds of model.fit (the workload's epochs, batch 32, no shuffling): min and median of\n"
            + "         --repeats timed fits (default 5) after one untimed fit. --graph sets lamina.graph (and\n"
            + "         FitOptions.graph where the build has a graph API). --threads N sets the cpu kernel threads.\n"
            + "predict  microseconds of model.predict on --batch samples (default 1): min, median, p90 of\n"
            + "         --iterations calls (default 5000) after --warmup (1000).\n"
            + "forward  milliseconds of the LSTM(512) forward over [64, 100, 512], return_sequences, no tape.\n";

    private ModelBenchCommand() {
    }

    static int run(List<String> args, PrintStream out) throws UsageException {
        Options o = Options.parse(args, Set.of("workload", "graph", "threads", "repeats", "epochs", "batch",
                "iterations", "warmup", "steps"), Set.of());
        if (o.positional().size() != 1) {
            throw new UsageException("one benchmark at a time, got " + o.positional());
        }
        String what = o.positional().get(0);
        int threads = o.getInt("threads", 0, 1, 64);
        switch (what) {
            case "fit": {
                only(o, what, Set.of("workload", "graph", "threads", "repeats", "epochs"));
                String w = workload(o, null, Workloads.NAMES);
                Boolean graph = null;
                if (o.has("graph")) {
                    String g = o.get("graph", "").trim().toLowerCase(Locale.ROOT);
                    if (!g.equals("on") && !g.equals("off")) {
                        throw new UsageException("--graph must be on or off, got '" + g + "'");
                    }
                    graph = g.equals("on");
                }
                return FitBench.run(w, graph, threads, o.getInt("repeats", 5, 1, 1000), o.getInt("epochs", 0, 1, 10000),
                        out);
            }
            case "predict": {
                only(o, what, Set.of("workload", "threads", "batch", "iterations", "warmup"));
                String w = workload(o, "seed-lstm", Workloads.NAMES);
                return PredictBench.run(w, o.getInt("batch", 1, 1, 1 << 20), threads, o.getInt("warmup", 1000, 0, 10_000_000),
                        o.getInt("iterations", 5000, 1, 100_000_000), out);
            }
            default: {
                only(o, what, Set.of("workload", "threads", "batch", "steps", "repeats"));
                workload(o, "lstm512", List.of("lstm512"));
                return LstmForwardBench.run(o.getInt("batch", 64, 1, 1 << 16), o.getInt("steps", 100, 1, 1 << 16), 512,
                        threads, o.getInt("repeats", 5, 1, 1000), out);
            }
        }
    }

    private static String workload(Options o, String dflt, List<String> allowed) throws UsageException {
        String w = o.get("workload", dflt);
        if (w == null) {
            throw new UsageException("missing --workload (" + String.join(", ", allowed) + ")");
        }
        if (!allowed.contains(w)) {
            throw new UsageException("unknown workload '" + w + "' (" + String.join(", ", allowed) + ")");
        }
        return w;
    }

    private static void only(Options o, String what, Set<String> allowed) throws UsageException {
        for (String name : List.of("workload", "graph", "threads", "repeats", "epochs", "batch", "iterations", "warmup",
                "steps")) {
            if (o.has(name) && !allowed.contains(name)) {
                throw new UsageException("--" + name + " is not an option of bench " + what);
            }
        }
    }
}
