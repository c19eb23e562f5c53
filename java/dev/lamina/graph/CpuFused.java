package dev.lamina.graph;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Storage;

/** The cpu backend's fused element-wise kernel (C++ in cpu-kernels, through JavaCPP). */
final class CpuFused {
    private CpuFused() {
    }

    static boolean available(Backend backend) {
        return false;
    }

    static void run(FusedElementwise.Program p, Storage[] s) {
        throw new UnsupportedOperationException("the cpu fused element-wise kernel is not built");
    }
}
