package dev.lamina.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.cuda.CudaBackend;
import dev.lamina.types.DType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Which path an LSTM at inference takes is a capability the backend declares ({@link
 * Backend#lstmInferenceKernel}), not its name: the cpu backend declares an inference kernel of its own,
 * so inference runs it rather than the (training) sequence kernel; a backend that does not declare
 * one runs the sequence kernel where it serves, whatever it is called.
 */
@Tag("cuda-emulated") // also run on the emulated CUDA device, where the cuda backend is usable
class LstmInferenceCapabilityTest {
    private static final SequenceGeometry GEOM = new SequenceGeometry(4, 20, 64);

    @Test
    void cpuDeclaresItsInferenceKernelAndSkipsTheSequenceKernel() {
        Backend cpu = Backends.cpu();
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            assertTrue(cpu.lstmInferenceKernel(dt, GEOM).available(), dt.toString());
            assertTrue(KernelDispatch.lstmSequenceFused(cpu, dt, GEOM), "cpu's sequence kernel serves " + dt);
            assertFalse(KernelDispatch.lstmSequenceAtInference(cpu, dt, GEOM), "cpu inference runs lstmInference, " + dt);
        }
    }

    @Test
    void withoutTheCapabilityTheSequenceKernelServesInference() {
        Backend ref = Backends.reference();
        Capability c = ref.lstmInferenceKernel(DType.FLOAT32, GEOM);
        assertFalse(c.available());
        assertEquals("reference backend has no lstmInference kernel of its own", c.reason());
        assertTrue(KernelDispatch.lstmSequenceAtInference(ref, DType.FLOAT32, GEOM));

        // named "cpu" but declaring nothing: the name does not decide
        DecliningBackend namedCpu = new DecliningBackend(ref, "cpu", (k, dt, g) -> null);
        assertFalse(namedCpu.lstmInferenceKernel(DType.FLOAT32, GEOM).available());
        assertTrue(KernelDispatch.lstmSequenceAtInference(namedCpu, DType.FLOAT32, GEOM));

        // no sequence kernel either: the composed lstmInference
        DecliningBackend neither = DecliningBackend.all(ref, "declining-reference");
        assertFalse(KernelDispatch.lstmSequenceAtInference(neither, DType.FLOAT32, GEOM));
    }

    @Test
    void cudaDeclaresNoInferenceKernelAndAnswersWithoutADevice() {
        CudaBackend cuda = CudaBackend.instance();
        Capability c = cuda.lstmInferenceKernel(DType.FLOAT32, GEOM);
        assertFalse(c.available());
        if (!cuda.isAvailable()) {
            assertTrue(c.reason().contains(CudaBackend.unavailableReason()), c.reason());
        } else {
            assertTrue(c.reason().contains("no CUDA lstmInference kernel"), c.reason());
        }
    }
}
