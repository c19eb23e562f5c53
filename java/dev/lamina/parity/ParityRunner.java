package dev.lamina.parity;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.io.HostTensor;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Checks the engine against parity case files ({@code ../shared/parity/FORMAT.md}).
 *
 * <p>For each case and backend: the {@code in.*} tensors are created on the backend, the op from
 * {@link ParityOps#TABLE} runs under a {@link GradientTape}, and every {@code out.NAME} is compared
 * with the computed output. Then L = Σ sum(out ⊙ seed.NAME) over the outputs that have a seed, and
 * the gradient of L with respect to every input with a {@code grad.NAME} is compared the same way.
 * A check passes when ‖out − ref‖/‖ref‖ ≤ tolerance (computed in double; the absolute norm when
 * ‖ref‖ = 0), the shapes agree and no value is NaN or infinite. Ops without an implementation yet
 * are reported as one SKIP per case and backend, never as a pass.
 */
public final class ParityRunner {
    /** Default relative tolerance: float32 engine against float64 reference values. */
    public static final double DEFAULT_TOLERANCE = 1e-5;

    public enum Status { PASS, FAIL, SKIP }

    /**
     * One line of the report.
     *
     * @param file the case file name
     * @param backend the backend name
     * @param op the case's op
     * @param check "out.NAME", "grad.NAME", or the op name for a SKIP or a failure of the whole case
     * @param relError relative error (NaN when not computed)
     * @param maxAbsError largest absolute difference (NaN when not computed)
     * @param status pass, fail or skip
     * @param note why it failed or was skipped ("" for a plain pass or numeric fail)
     */
    public record Result(String file, String backend, String op, String check, double relError,
                         double maxAbsError, Status status, String note) {

        /** The report line: file, backend, check, relative error, max abs error, status. */
        public String line() {
            String nums = Double.isNaN(relError) && Double.isNaN(maxAbsError) && status == Status.SKIP
                    ? String.format(Locale.ROOT, "%-14s %-14s", "-", "-")
                    : String.format(Locale.ROOT, "rel=%-10s max=%-10s", fmt(relError), fmt(maxAbsError));
            return String.format(Locale.ROOT, "%-52s %-9s %-26s %s %s%s", file, backend, check, nums, status,
                    note.isEmpty() ? "" : " (" + note + ")");
        }

        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", file);
            m.put("backend", backend);
            m.put("op", op);
            m.put("check", check);
            m.put("status", status.name());
            m.put("rel_error", Double.isFinite(relError) ? relError : null);
            m.put("max_abs_error", Double.isFinite(maxAbsError) ? maxAbsError : null);
            if (!note.isEmpty()) {
                m.put("note", note);
            }
            return m;
        }

        private static String fmt(double v) {
            return Double.isNaN(v) ? "nan" : String.format(Locale.ROOT, "%.3e", v);
        }
    }

    /** Counts of a run. */
    public record Summary(int passed, int failed, int skipped) {
        public static Summary of(List<Result> results) {
            int p = 0;
            int f = 0;
            int s = 0;
            for (Result r : results) {
                switch (r.status()) {
                    case PASS: p++; break;
                    case FAIL: f++; break;
                    default: s++; break;
                }
            }
            return new Summary(p, f, s);
        }

        public String line() {
            return passed + " passed, " + failed + " failed, " + skipped + " skipped";
        }
    }

    private final double tolerance;
    private final List<Backend> backends;
    private final Consumer<Result> listener;

    /**
     * @param tolerance the largest relative error that passes
     * @param backends where to run each case
     * @param listener called with each result as it is made (for printing as the run goes)
     */
    public ParityRunner(double tolerance, List<Backend> backends, Consumer<Result> listener) {
        if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
            throw new IllegalArgumentException("tolerance must be a finite number >= 0, got " + tolerance);
        }
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("no backend to run on");
        }
        this.tolerance = tolerance;
        this.backends = List.copyOf(backends);
        this.listener = listener == null ? r -> { } : listener;
    }

    public double tolerance() {
        return tolerance;
    }

    /**
     * The usable backends among reference, cpu and cuda, in that order. A backend that throws or
     * reports itself unavailable when probed is left out.
     */
    public static List<Backend> usableBackends() {
        List<Backend> out = new ArrayList<>();
        out.add(Backends.reference());
        for (String name : List.of("cpu", "cuda")) {
            try {
                Backend b = name.equals("cpu") ? Backends.cpu() : Backends.cuda();
                if (b != null && b.isAvailable()) {
                    out.add(b);
                }
            } catch (RuntimeException | LinkageError e) {
                // not usable on this machine
            }
        }
        return out;
    }

    /**
     * The case files named by {@code paths}: files as given, directories as their
     * {@code *.safetensors} files sorted by name. A missing path, or a directory without cases, is
     * an IllegalArgumentException.
     */
    public static List<Path> expand(List<Path> paths) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                List<Path> found;
                try (Stream<Path> s = Files.list(p)) {
                    found = s.filter(f -> f.getFileName().toString().endsWith(".safetensors") && Files.isRegularFile(f))
                            .sorted().collect(Collectors.toList());
                }
                if (found.isEmpty()) {
                    throw new IllegalArgumentException(p + ": no .safetensors files in this directory");
                }
                out.addAll(found);
            } else if (Files.isRegularFile(p)) {
                out.add(p);
            } else {
                throw new IllegalArgumentException(p + ": no such file or directory");
            }
        }
        return out;
    }

    /** Loads every case first (so unreadable input stops the run before it starts), then runs them. */
    public List<Result> run(List<Path> paths) throws IOException {
        List<ParityCase> cases = new ArrayList<>();
        for (Path p : expand(paths)) {
            cases.add(ParityCase.load(p));
        }
        List<Result> results = new ArrayList<>();
        for (ParityCase c : cases) {
            results.addAll(run(c));
        }
        return results;
    }

    /** Runs one case on every backend. */
    public List<Result> run(ParityCase c) {
        List<Result> results = new ArrayList<>();
        for (Backend b : backends) {
            results.addAll(run(c, b));
        }
        return results;
    }

    /** Runs one case on one backend. */
    public List<Result> run(ParityCase c, Backend backend) {
        List<Result> results = new ArrayList<>();
        Consumer<Result> emit = r -> {
            results.add(r);
            listener.accept(r);
        };
        ParityOps.Op op = ParityOps.TABLE.get(c.op());
        if (op == null) {
            String why = ParityOps.NOT_YET.contains(c.op()) ? "op " + c.op() + " not supported yet"
                    : "unknown op " + c.op();
            emit.accept(new Result(c.name(), backend.name(), c.op(), c.op(), Double.NaN, Double.NaN, Status.SKIP, why));
            return results;
        }
        try (Backends.Use use = Backends.use(backend); Scope scope = Scope.open()) {
            runOn(c, backend, op, emit);
        } catch (RuntimeException | LinkageError | AssertionError e) {
            emit.accept(new Result(c.name(), backend.name(), c.op(), c.op(), Double.NaN, Double.NaN, Status.FAIL,
                    "error: " + describe(e)));
        }
        return results;
    }

    private void runOn(ParityCase c, Backend backend, ParityOps.Op op, Consumer<Result> emit) {
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : c.inputs().entrySet()) {
            HostTensor h = e.getValue();
            inputs.put(e.getKey(), Tensor.fromBuffer(h.dtype(), h.shape(), h.data()));
        }
        List<String> gradNames = new ArrayList<>(c.grads().keySet());
        Tensor[] sources = new Tensor[gradNames.size()];
        for (int i = 0; i < sources.length; i++) {
            sources[i] = inputs.get(gradNames.get(i));
        }

        Map<String, Tensor> outputs;
        Tensor loss = null;
        GradientTape tape = GradientTape.start();
        try {
            tape.watch(sources);
            outputs = op.apply(inputs, c.attrs());
            boolean seedsOk = true;
            for (String name : c.seeds().keySet()) {
                Tensor out = outputs.get(name);
                HostTensor seedHost = c.seeds().get(name);
                if (out == null || !Arrays.equals(out.shape(), seedHost.shape())) {
                    seedsOk = false; // reported by the output check below
                    continue;
                }
                Tensor seed = Tensor.fromBuffer(seedHost.dtype(), seedHost.shape(), seedHost.data());
                if (seed.dtype() != out.dtype()) {
                    seed = seed.cast(out.dtype());
                }
                Tensor term = out.mul(seed).sum();
                loss = loss == null ? term : loss.add(term);
            }
            if (!seedsOk) {
                loss = null;
            }
        } finally {
            tape.close();
        }

        // forward checks
        for (Map.Entry<String, HostTensor> e : c.outputs().entrySet()) {
            String check = "out." + e.getKey();
            Tensor got = outputs.get(e.getKey());
            if (got == null) {
                emit.accept(fail(c, backend, check, "the op produced no output " + e.getKey()));
                continue;
            }
            emit.accept(compare(c, backend, check, got, e.getValue()));
        }

        // backward checks
        if (gradNames.isEmpty()) {
            return;
        }
        if (loss == null) {
            for (String g : gradNames) {
                emit.accept(fail(c, backend, "grad." + g, c.seeds().isEmpty()
                        ? "the case has gradients but no seeds" : "outputs missing or misshaped, no backward pass"));
            }
            return;
        }
        Tensor[] grads;
        try {
            grads = tape.gradient(loss, sources);
        } catch (RuntimeException e) {
            for (String g : gradNames) {
                emit.accept(fail(c, backend, "grad." + g, "backward failed: " + describe(e)));
            }
            return;
        }
        for (int i = 0; i < gradNames.size(); i++) {
            String check = "grad." + gradNames.get(i);
            if (grads[i] == null) {
                emit.accept(fail(c, backend, check, "no gradient (the input does not reach the loss?)"));
                continue;
            }
            emit.accept(compare(c, backend, check, grads[i], c.grads().get(gradNames.get(i))));
        }
    }

    private Result compare(ParityCase c, Backend backend, String check, Tensor got, HostTensor ref) {
        if (!Arrays.equals(got.shape(), ref.shape())) {
            return fail(c, backend, check, "shape " + Arrays.toString(got.shape()) + ", expected "
                    + Arrays.toString(ref.shape()));
        }
        Comparison cmp = Comparison.of(got.toDoubleArray(), ref.toDoubleArray());
        boolean ok = cmp.passes(tolerance);
        String note = !cmp.finite() ? "NaN or Inf in the result" : "";
        return new Result(c.name(), backend.name(), c.op(), check, cmp.relError(), cmp.maxAbsError(),
                ok ? Status.PASS : Status.FAIL, note);
    }

    private static Result fail(ParityCase c, Backend backend, String check, String why) {
        return new Result(c.name(), backend.name(), c.op(), check, Double.NaN, Double.NaN, Status.FAIL, why);
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m.replace('\n', ' '));
    }
}
