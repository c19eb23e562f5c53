package dev.lamina.bench;

import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
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
 * The baseline for {@link MatmulBench}: OpenBLAS's own cblas_sgemm on preallocated buffers, called
 * straight through the preset (no tensor, no allocation), so the ratio shows Lamina's overhead.
 * Threads follow {@code lamina.cpu.threads} like the cpu backend.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class OpenBlasBench {
    @Param({"64", "128", "256", "512", "1024", "2048"})
    public int n;

    private FloatPointer a;
    private FloatPointer b;
    private FloatPointer c;

    @Setup(Level.Trial)
    public void setUp() {
        String t = System.getProperty("lamina.cpu.threads");
        if (t != null) {
            openblas_nolapack.blas_set_num_threads(Integer.parseInt(t));
        }
        long nn = (long) n * n;
        a = new FloatPointer(nn);
        b = new FloatPointer(nn);
        c = new FloatPointer(nn);
        java.util.Random r = new java.util.Random(1);
        for (long i = 0; i < nn; i++) {
            a.put(i, r.nextFloat() * 2 - 1);
            b.put(i, r.nextFloat() * 2 - 1);
        }
    }

    @Benchmark
    public float sgemm() {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans, openblas_nolapack.CblasNoTrans, n, n, n,
                1f, a, n, b, n, 0f, c, n);
        return c.get(0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
        b.close();
        c.close();
    }
}
