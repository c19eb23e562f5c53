package dev.lamina.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Storage;
import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The storages a gpu kernel test allocates (on the cuda backend or on a host backend it compares
 * with): made through {@link #put} and {@link #poisoned}, read back with {@link #get}, and released
 * after each test by {@link #finish}, which checks that device memory returns to the bytes in use
 * when the test started.
 */
final class DeviceStorages {
    private final CudaBackend cuda = CudaBackend.instance();
    private final List<Storage> live = new ArrayList<>();
    private long baseline;

    /** Before each test: needs a device ({@link GpuTestSupport#requireDevice}); records the baseline. */
    void start() {
        GpuTestSupport.requireDevice();
        baseline = cuda.bytesInUse();
    }

    /** After each test: releases every tracked storage and checks the device's bytes in use. */
    void finish() {
        if (!cuda.isAvailable()) {
            return;
        }
        releaseAll();
        assertEquals(baseline, cuda.bytesInUse(), "device memory returns to its baseline");
    }

    /** Releases every tracked storage now (a test that loops over many cases). */
    void releaseAll() {
        for (Storage s : live) {
            s.release();
        }
        live.clear();
    }

    /** Tracks {@code s}, released by {@link #finish}; returns it. */
    Storage track(Storage s) {
        live.add(s);
        return s;
    }

    /** A tracked storage on {@code b} holding {@code v} in dtype {@code dt}. */
    Storage put(Backend b, DType dt, double[] v) {
        ByteBuffer buf = GpuTestSupport.encode(dt, v);
        Storage s = track(b.allocate(dt, v.length));
        b.upload(buf, s);
        return s;
    }

    /** A tracked storage on {@code b} of {@code n} NaNs: a kernel that leaves an element unwritten shows. */
    Storage poisoned(Backend b, DType dt, long n) {
        Storage s = track(b.allocate(dt, n));
        b.fill(s, Double.NaN);
        return s;
    }

    /** The values of {@code s} on {@code b} (after the stream's work, on cuda). */
    double[] get(Backend b, Storage s) {
        if (b == cuda) {
            cuda.synchronize();
        }
        ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.max(1, s.bytes())).order(ByteOrder.LITTLE_ENDIAN);
        b.download(s, buf);
        return GpuTestSupport.decode(s.dtype(), buf, (int) s.numel());
    }
}
