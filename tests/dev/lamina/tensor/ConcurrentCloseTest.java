package dev.lamina.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.types.DType;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: closing a tensor or a model while another thread runs a kernel on it crashed the JVM
 * inside OpenBLAS (SIGSEGV). Now the kernel's pins keep the memory until it returns; the reader sees
 * its results or an IllegalStateException (use after close), nothing else, and every byte comes back.
 */
class ConcurrentCloseTest {

    /** Runs reader on a thread until it throws or 400 rounds pass; closes the shared data once the reader is running. */
    private static void closeWhileReading(Runnable reader, Runnable closer) throws InterruptedException {
        AtomicReference<Throwable> unexpected = new AtomicReference<>();
        AtomicInteger rounds = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try (Scope s = Scope.open()) {
                for (int i = 0; i < 400; i++) {
                    try (Scope step = Scope.open()) {
                        reader.run();
                    }
                    rounds.incrementAndGet();
                    started.countDown();
                }
            } catch (IllegalStateException e) {
                if (!String.valueOf(e.getMessage()).contains("after close")
                        && !String.valueOf(e.getMessage()).contains("freed")) {
                    unexpected.set(e);
                }
            } catch (Throwable e) {
                unexpected.set(e);
            } finally {
                started.countDown();
            }
        }, "reader");
        t.start();
        assertTrue(started.await(60, TimeUnit.SECONDS));
        closer.run();                             // while the reader is (most likely) inside a kernel
        t.join(60_000);
        assertTrue(!t.isAlive(), "reader finished");
        assertNull(unexpected.get(), () -> "reader failed with " + unexpected.get());
    }

    @Test
    void closingAMatrixWhileAnotherThreadMultipliesIt() throws InterruptedException {
        Backend cpu = Backends.cpu();
        long base = cpu.bytesInUse();
        for (int round = 0; round < 3; round++) {
            Tensor a;
            Tensor w;
            try (Backends.Use use = Backends.use(cpu)) {
                // 36 MB: above the 32 MiB mmap threshold, so a premature free unmaps it (SIGSEGV before)
                a = Tensor.full(DType.FLOAT32, 0.5, 16, 3072);
                w = Tensor.full(DType.FLOAT32, 0.25, 3072, 3072);
            }
            Tensor wf = w;
            Tensor af = a;
            closeWhileReading(() -> af.matmul(wf).sum().item(), wf::close);
            a.close();
            assertTrue(w.isClosed());
        }
        assertTrue(cpu.bytesInUse() <= base, "every byte returned: " + cpu.bytesInUse() + " vs " + base);
    }

    @Test
    void closingAModelWhileAnotherThreadPredicts() throws InterruptedException {
        Backend cpu = Backends.cpu();
        long base = cpu.bytesInUse();
        for (int round = 0; round < 1; round++) {   // one round: building the 36 MB kernel takes seconds
            Sequential model;
            Tensor x;
            try (Backends.Use use = Backends.use(cpu)) {
                // a 36 MB kernel, as the model of the report
                model = new Sequential(new Input(3072), new Dense(3072, "relu"), new Dense(1));
                x = new Rng(round).normal(DType.FLOAT32, 0, 1, 16, 3072);
            }
            Sequential m = model;
            Tensor xf = x;
            closeWhileReading(() -> {
                try (Backends.Use use = Backends.use(cpu)) {
                    m.predict(xf).close();
                }
            }, model::close);
            x.close();
        }
        assertTrue(cpu.bytesInUse() <= base, "every byte returned: " + cpu.bytesInUse() + " vs " + base);
    }

    @Test
    void concurrentClosesReleaseOnce() throws InterruptedException {
        Backend cpu = Backends.cpu();
        for (int round = 0; round < 50; round++) {
            Tensor t = Tensor.zeros(cpu, DType.FLOAT32, 256);
            Tensor view = t.reshape(16, 16);      // shares the storage: a double release would free it
            Thread[] closers = new Thread[4];
            for (int i = 0; i < closers.length; i++) {
                closers[i] = new Thread(t::close);
                closers[i].start();
            }
            for (Thread c : closers) {
                c.join();
            }
            assertEquals(0.0, view.sum().item(), "the view still reads its memory");
            view.close();
        }
    }
}
