package dev.lamina.backend;

/**
 * The sizes of a recurrent sequence kernel call ({@link Kernel#LSTM_SEQUENCE_FORWARD}): batch rows,
 * time steps and hidden units. A backend's per-call answer ({@link Backend#kernel(Kernel,
 * dev.lamina.types.DType, SequenceGeometry)}) may depend on them (the persistent cuda kernel holds
 * the recurrent weights in registers, so it serves small hidden sizes only).
 *
 * @param batch rows B (at least 0)
 * @param steps time steps T (at least 0)
 * @param hidden hidden units H (at least 1)
 */
public record SequenceGeometry(long batch, long steps, long hidden) {
    /**
     * Checks the sizes.
     *
     * @param batch rows B (at least 0)
     * @param steps time steps T (at least 0)
     * @param hidden hidden units H (at least 1)
     */
    public SequenceGeometry {
        if (batch < 0 || steps < 0 || hidden < 1) {
            throw new IllegalArgumentException("sequence geometry: needs batch >= 0, steps >= 0, hidden >= 1, got B="
                    + batch + " T=" + steps + " H=" + hidden);
        }
    }
}
