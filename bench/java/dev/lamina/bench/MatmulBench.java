package dev.lamina.bench;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Square float32 matmul C = A·B through the tensor API (allocation of C included), n×n×n.
 * GFLOP/s = 2n³ / time. The reference backend is limited to n ≤ 512 (it is a plain-Java oracle).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xss4m"})
@State(Scope.Thread)
public class MatmulBench {
    @Param({"cpu", "reference"})
    public String backend;

    @Param({"64", "128", "256", "512", "1024", "2048"})
    public int n;

    private Tensor a;
    private Tensor b;

    @Setup(Level.Trial)
    public void setUp() {
        if (backend.equals("reference") && n > 512) {
            throw new IllegalStateException("skipped: the reference backend is not benchmarked above n=512");
        }
        Backend be = Backends.byName(backend);
        try (Backends.Use u = Backends.use(be)) {
            Rng rng = new Rng(1);
            a = rng.uniform(DType.FLOAT32, -1, 1, n, n);
            b = rng.uniform(DType.FLOAT32, -1, 1, n, n);
        }
    }

    @Benchmark
    public double matmul() {
        try (Tensor c = a.matmul(b)) {
            return c.numel();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (a != null) {
            a.close();
            b.close();
        }
    }
}
