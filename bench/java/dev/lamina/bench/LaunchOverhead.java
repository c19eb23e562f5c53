package dev.lamina.bench;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.Storage;
import dev.lamina.backend.cuda.CudaBackend;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Tensor;
import java.io.PrintStream;
import java.util.Locale;

/**
 * {@code lamina bench launch}: the host-side time of one small element-wise op called from Java,
 * timed call by call with {@code System.nanoTime} (median of many calls, JNI included).
 *
 * <ol>
 *   <li>{@code backend.binary(ADD, ...)} on preallocated storages: argument checks, JNI, and on
 *       the cuda backend the kernel launch on the backend's stream (asynchronous: the kernel's own
 *       run time is not included). This is issue #6's "launch one small elementwise op" figure.
 *   <li>{@code x.add(y)} through the tensor API with the result closed: the above plus shape
 *       checks, an output allocation (from the caching allocator on cuda) and its free.
 * </ol>
 *
 * On cuda the stream is synchronized (untimed) every 256 calls so that the launch queue never
 * fills; a full queue would make a launch wait for the device and time the kernel instead. On the
 * cpu backend the op runs synchronously, so its time includes the work.
 */
final class LaunchOverhead {
    static final int SYNC_EVERY = 256;

    private LaunchOverhead() {
    }

    /** The two timings, in nanoseconds per call. */
    record Result(Samples backendCall, Samples tensorCall) {
    }

    static Result measure(Backend be, int size, int iterations, int warmup) {
        Runnable sync = be instanceof CudaBackend c ? c::synchronize : () -> { };
        long[] strides = {1};
        long[] shape = {size};
        Rng rng = new Rng(3);
        try (Backends.Use u = Backends.use(be);
             Tensor x = rng.uniform(DType.FLOAT32, -1, 1, size);
             Tensor y = rng.uniform(DType.FLOAT32, -1, 1, size)) {
            Storage xs = x.storage();
            Storage ys = y.storage();
            Storage out = be.allocateUninitialized(DType.FLOAT32, size);
            long[] t = new long[iterations];
            try {
                for (int i = 0; i < warmup; i++) {
                    be.binary(BinaryOp.ADD, xs, strides, ys, strides, out, shape);
                    if (i % SYNC_EVERY == SYNC_EVERY - 1) {
                        sync.run();
                    }
                }
                sync.run();
                for (int i = 0; i < iterations; i++) {
                    long t0 = System.nanoTime();
                    be.binary(BinaryOp.ADD, xs, strides, ys, strides, out, shape);
                    t[i] = System.nanoTime() - t0;
                    if (i % SYNC_EVERY == SYNC_EVERY - 1) {
                        sync.run();
                    }
                }
                sync.run();
            } finally {
                out.release();
            }
            Samples backendCall = new Samples(t);

            for (int i = 0; i < warmup; i++) {
                x.add(y).close();
                if (i % SYNC_EVERY == SYNC_EVERY - 1) {
                    sync.run();
                }
            }
            sync.run();
            for (int i = 0; i < iterations; i++) {
                long t0 = System.nanoTime();
                x.add(y).close();
                t[i] = System.nanoTime() - t0;
                if (i % SYNC_EVERY == SYNC_EVERY - 1) {
                    sync.run();
                }
            }
            sync.run();
            return new Result(backendCall, new Samples(t));
        }
    }

    static int run(Backend be, String device, int size, int iterations, int warmup, PrintStream out) {
        out.printf(Locale.ROOT, "lamina bench launch: backend %s (%s), float32 add of %d elements, %d timed calls "
                + "after %d warm-up calls%n", be.name(), device, size, iterations, warmup);
        Result r = measure(be, size, iterations, warmup);
        out.println("  backend.binary(ADD)  checks + JNI + launch:        " + r.backendCall().describe());
        out.println("  x.add(y).close()     + allocate and free output:   " + r.tensorCall().describe());
        if (be instanceof CudaBackend) {
            out.printf(Locale.ROOT, "  issue #6 target: <= 5 us for one small element-wise op including JNI: %s "
                    + "(median %.2f us)%n", r.backendCall().median() <= 5_000 ? "met" : "NOT met",
                    r.backendCall().median() / 1e3);
        } else {
            out.println("  (the cpu backend runs the op inside the call: these times include the arithmetic)");
        }
        return 0;
    }
}
