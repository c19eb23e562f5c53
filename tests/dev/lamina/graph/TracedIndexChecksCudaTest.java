package dev.lamina.graph;

import dev.lamina.backend.cuda.CudaBackend;
import dev.lamina.backend.cuda.GpuTestSupport;
import dev.lamina.types.DType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link TracedEmbeddingTrainingTest}'s and {@link TracedSparseLabelsTrainingTest}'s checks on the cuda
 * backend: the range check of gather's ids and of oneHot's labels reads them back from the device at
 * every replay (node by node on the emulated device, between captured segments on a GPU), training is
 * bitwise eager, and an out-of-range id raises the eager error (the cuda gather kernel itself would read
 * zeros for it, never out of bounds, but never report it).
 */
@Tag("gpu")
class TracedIndexChecksCudaTest {
    @BeforeEach
    void device() {
        GpuTestSupport.requireDevice();
    }

    @Test
    void integerIdsTrainBitwiseAsEager() {
        TracedEmbeddingTrainingTest.fitsBitwiseAsEager(CudaBackend.instance(), TracedEmbeddingTrainingTest::flat, DType.INT32);
    }

    @Test
    void floatIdsWithAMaskTrainBitwiseAsEager() {
        TracedEmbeddingTrainingTest.fitsBitwiseAsEager(CudaBackend.instance(), TracedEmbeddingTrainingTest::masked,
                DType.FLOAT32);
    }

    @Test
    void anOutOfRangeIdInAReplayedBatchRaisesTheEagerError() {
        TracedEmbeddingTrainingTest.outOfRangeIdInAReplayRaisesTheEagerError(CudaBackend.instance());
    }

    @Test
    void sparseLabelsTrainBitwiseAsEager() {
        TracedSparseLabelsTrainingTest.fitsBitwiseAsEager(CudaBackend.instance(), false, DType.INT32);
        TracedSparseLabelsTrainingTest.fitsBitwiseAsEager(CudaBackend.instance(), true, DType.FLOAT32);
    }

    @Test
    void anOutOfRangeLabelInAReplayedBatchRaisesTheEagerError() {
        TracedSparseLabelsTrainingTest.outOfRangeLabelInAReplayRaisesTheEagerError(CudaBackend.instance());
    }
}
