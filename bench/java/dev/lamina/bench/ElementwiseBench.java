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

/** A few element-wise ops and reductions on a float32 tensor of {@code size} elements, output allocation included. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class ElementwiseBench {
    @Param({"cpu", "reference"})
    public String backend;

    @Param({"1024", "1048576"})
    public int size;

    private Tensor x;
    private Tensor y;
    private Tensor row;

    @Setup(Level.Trial)
    public void setUp() {
        try (Backends.Use u = Backends.use(Backends.byName(backend))) {
            Rng rng = new Rng(2);
            x = rng.uniform(DType.FLOAT32, -1, 1, size / 256, 256);
            y = rng.uniform(DType.FLOAT32, -1, 1, size / 256, 256);
            row = rng.uniform(DType.FLOAT32, -1, 1, 256);
        }
    }

    @Benchmark
    public long add() {
        try (Tensor r = x.add(y)) {
            return r.numel();
        }
    }

    @Benchmark
    public long addBroadcastRow() {
        try (Tensor r = x.add(row)) {
            return r.numel();
        }
    }

    @Benchmark
    public long tanh() {
        try (Tensor r = x.tanh()) {
            return r.numel();
        }
    }

    @Benchmark
    public long exp() {
        try (Tensor r = x.exp()) {
            return r.numel();
        }
    }

    @Benchmark
    public long softmaxRows() {
        try (Tensor r = x.softmax(-1)) {
            return r.numel();
        }
    }

    @Benchmark
    public long sumAxis0() {
        try (Tensor r = x.sum(0)) {
            return r.numel();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        x.close();
        y.close();
        row.close();
    }
}
