package dev.lamina.tensor;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backends;
import dev.lamina.backend.cuda.CudaBackend;
import dev.lamina.backend.cuda.GpuTestSupport;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link TensorApiFuzzTest}'s fuzz on the cuda backend against the reference (fewer calls: on the
 * emulated device every CUDA thread is a fiber on the CPU). Tagged {@code gpu}: skipped without a
 * usable device on the real path, run on the emulated one with {@code LAMINA_CUDA=emulated}.
 */
@Tag("gpu")
class TensorApiFuzzGpuTest {
    @Test
    void referenceAndCudaAgreeOrBothRejectClearly() {
        GpuTestSupport.requireDevice();
        int calls = Integer.getInteger("lamina.fuzz.gpu.calls", 300);
        List<String> findings = TensorApiFuzzTest.fuzz(Backends.reference(), CudaBackend.instance(),
                OpCatalog.seed("TensorApiFuzzGpu"), calls);
        assertTrue(findings.isEmpty(), findings.size() + " findings (seed " + OpCatalog.baseSeed() + "):\n"
                + String.join("\n", findings.subList(0, Math.min(60, findings.size()))));
    }

    @Test
    void gradientsAgreeToo() {
        GpuTestSupport.requireDevice();
        int calls = Integer.getInteger("lamina.fuzz.gpu.calls", 300);
        List<String> findings = TensorApiFuzzTest.fuzz(Backends.reference(), CudaBackend.instance(),
                OpCatalog.seed("TensorApiFuzzGpuGrad"), calls, true);
        assertTrue(findings.isEmpty(), findings.size() + " findings (seed " + OpCatalog.baseSeed() + "):\n"
                + String.join("\n", findings.subList(0, Math.min(60, findings.size()))));
    }
}
