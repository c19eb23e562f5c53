package dev.lamina.backend.cuda;

/**
 * Precision of float32 matrix products and convolutions on the cuda backend, named as JAX's
 * {@code jax.lax.Precision}.
 *
 * <ul>
 *   <li>{@link #HIGHEST} (the default): plain fp32 fused multiply-adds, the same arithmetic as
 *       the cpu backend up to summation order (relative error ~1e-6).
 *   <li>{@link #HIGH}: TF32 tensor cores ({@code mma.sync.m16n8k8} on compute capability 8.0+):
 *       each input is rounded to tf32 (10 mantissa bits, round to nearest away from zero) and
 *       products are accumulated in fp32, so {@code ‖out − ref‖/‖ref‖} is about 1e-3.
 * </ul>
 *
 * <p>The persistent LSTM and GRU sequence kernels ({@code lstm_seq.cu}, {@code gru_seq.cu}) compute
 * the recurrent product h·rk in fp32 under both: {@link #HIGH} moves only the sequence's matrix
 * products around them (the input projection and the recurrent kernel's gradient) to TF32. Why the
 * register-resident design keeps fp32 is in {@code lstm_seq.cu}'s header.
 *
 * <p>Chosen with {@link CudaBackend#setPrecision(Precision)} or the system property
 * {@code lamina.cuda.precision} ({@code highest} or {@code high}) read when the class loads.
 */
public enum Precision {
    /** fp32 SIMT kernel; code 0 of {@code lamina_cuda_matmul_f32}. */
    HIGHEST,
    /** TF32 tensor-core kernel; code 1 of {@code lamina_cuda_matmul_f32}. */
    HIGH;

    /** Parses "highest" or "high" (any case). */
    public static Precision parse(String s) {
        for (Precision p : values()) {
            if (p.name().equalsIgnoreCase(s.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("cuda precision must be 'highest' or 'high', got '" + s + "'");
    }
}
