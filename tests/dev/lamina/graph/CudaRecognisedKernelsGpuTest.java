package dev.lamina.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.lamina.backend.Kernel;
import dev.lamina.backend.cuda.CudaBackend;
import dev.lamina.backend.cuda.GpuTestSupport;
import dev.lamina.types.DType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The fused-kernel pass on the cuda backend (the checks of {@link RecognisedCellsTest}): a
 * hand-written Adam becomes the cuda Adam kernel, bitwise the eager composition; the cells are left
 * composed (nvcc contracts the fused cell's {@code f·cPrev + i·g} into an FMA on a GPU) unless
 * {@link GraphOptions#inexactFusedKernels} allows them, then within 1e-5 relative error.
 */
@Tag("gpu")
class CudaRecognisedKernelsGpuTest {
    @BeforeEach
    void device() {
        GpuTestSupport.requireDevice();
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void userAdamUpdateBecomesTheCudaKernelBitwise(DType dt) {
        for (int form = 0; form < 2; form++) {
            RecognisedCellsTest.Traced t = RecognisedCellsTest.adamLoop("cuda", dt, form);
            assertEquals(2, t.stats().recognised, t.text());
            assertEquals(2, t.ops().get("adam"), t.text());
        }
        RecognisedCellsTest.Traced miss = RecognisedCellsTest.adamLoop("cuda", dt, 2);
        assertNull(miss.ops().get("adam"), miss.text());
    }

    @Test
    void cellsStayComposedUnlessInexactIsAllowed() {
        assertFalse(RecognisedKernels.bitwise(CudaBackend.instance(), Kernel.LSTM_CELL_FORWARD, DType.FLOAT32));
        RecognisedCellsTest.Traced lstm = RecognisedCellsTest.compare("cuda",
                r -> RecognisedCellsTest.lstmInputs(r, DType.FLOAT32), x -> RecognisedCellsTest.lstmSteps(x, false),
                new GraphOptions(), 0);
        assertNull(lstm.ops().get("lstmCell"), lstm.text());
        RecognisedCellsTest.Traced lstmInexact = RecognisedCellsTest.compare("cuda",
                r -> RecognisedCellsTest.lstmInputs(r, DType.FLOAT32), x -> RecognisedCellsTest.lstmSteps(x, false),
                new GraphOptions().inexactFusedKernels(true), 1e-5);
        assertEquals((int) RecognisedCellsTest.T, lstmInexact.ops().get("lstmCell"), lstmInexact.text());
        RecognisedCellsTest.Traced gruInexact = RecognisedCellsTest.compare("cuda",
                r -> RecognisedCellsTest.gruInputs(r, DType.FLOAT32), x -> RecognisedCellsTest.gruSteps(x, true),
                new GraphOptions().inexactFusedKernels(true), 1e-5);
        assertEquals((int) RecognisedCellsTest.T, gruInexact.ops().get("gruCell"), gruInexact.text());
    }
}
