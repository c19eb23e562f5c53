package dev.lamina.graph;

/** Which passes a graph build runs (all by default); for tests and for measuring each pass. */
public final class GraphOptions {
    boolean deadCode = true;
    boolean commonSubexpressions = true;
    boolean constantFolding = true;
    boolean fusion = true;
    boolean memoryPlan = true;
    boolean fusedKernels = true;
    boolean inexactFusedKernels = false;

    /**
     * @param on whether dead-code elimination runs
     * @return this
     */
    public GraphOptions deadCode(boolean on) {
        deadCode = on;
        return this;
    }

    /**
     * @param on whether common-subexpression elimination runs
     * @return this
     */
    public GraphOptions commonSubexpressions(boolean on) {
        commonSubexpressions = on;
        return this;
    }

    /**
     * @param on whether constant folding runs
     * @return this
     */
    public GraphOptions constantFolding(boolean on) {
        constantFolding = on;
        return this;
    }

    /**
     * @param on whether element-wise chains are fused (where the backend has the fused kernel)
     * @return this
     */
    public GraphOptions fusion(boolean on) {
        fusion = on;
        return this;
    }

    /**
     * @param on whether intermediates share buffers by liveness (off: one buffer per intermediate)
     * @return this
     */
    public GraphOptions memoryPlan(boolean on) {
        memoryPlan = on;
        return this;
    }

    /**
     * @param on whether compositions that an existing fused kernel computes bitwise are replaced by it
     *     (a convolution, its bias add and ReLU become one conv2dForwardFused; an LSTM cell, a GRU cell
     *     and an Adam update written with tensor ops become lstmCellForward, gruCellForward, adamUpdate)
     * @return this
     */
    public GraphOptions fusedKernels(boolean on) {
        fusedKernels = on;
        return this;
    }

    /**
     * Whether the fused-kernel pass also rewrites user-written LSTM and GRU cells where the backend's
     * fused cell is not bitwise its composition of primitives (float32 on cpu and reference, and the
     * cuda backend: see {@code RecognisedKernels.bitwise}). Off by default, so that a replay is bitwise
     * the eager run. On, a recognised cell differs from the eager run by the rounding of the fused
     * kernel: at most 3e-7 relative error measured over four float32 steps on cpu and reference
     * ({@code RecognisedCellsTest} asserts 1e-6; its cuda twin 1e-5).
     *
     * @param on whether inexact rewrites are allowed
     * @return this
     */
    public GraphOptions inexactFusedKernels(boolean on) {
        inexactFusedKernels = on;
        return this;
    }

    /** @return all passes off: the replay runs the trace as recorded */
    public static GraphOptions none() {
        return new GraphOptions().deadCode(false).commonSubexpressions(false).constantFolding(false).fusion(false)
                .memoryPlan(false).fusedKernels(false);
    }
}
