package dev.lamina.backend;

/**
 * Whether a backend can serve one optional fused {@link Kernel}, as Keras's {@code cudnn_ok}: either
 * available, or unavailable with a reason a person can act on ("cuda backend: no GPU kernel for
 * conv2dForward yet", "float64 is not supported by this kernel"). When a kernel is unavailable the
 * tensor ops run a composition of the backend's primitives instead ({@link KernelDispatch}) and log
 * the reason once.
 *
 * @param available true when the backend's own kernel serves the call
 * @param reason why not (null exactly when available)
 */
public record Capability(boolean available, String reason) {
    /** The one "available" answer. */
    public static final Capability AVAILABLE = new Capability(true, null);

    public Capability {
        if (available && reason != null) {
            throw new IllegalArgumentException("Capability: an available kernel has no reason, got '" + reason + "'");
        }
        if (!available && (reason == null || reason.isBlank())) {
            throw new IllegalArgumentException("Capability: an unavailable kernel needs a reason");
        }
    }

    /** An unavailable kernel with its reason (non-blank). */
    public static Capability unavailable(String reason) {
        return new Capability(false, reason);
    }

    @Override
    public String toString() {
        return available ? "available" : "unavailable: " + reason;
    }
}
