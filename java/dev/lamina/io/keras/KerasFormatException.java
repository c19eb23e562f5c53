package dev.lamina.io.keras;

/**
 * A Keras file that Lamina cannot read: not the format its name or content says, corrupt, or
 * holding a layer, option or weight that does not map onto Lamina. The message names the file,
 * and the layer and field where there is one.
 */
public class KerasFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /**
     * An error with a message.
     *
     * @param message what is wrong, naming the file
     */
    public KerasFormatException(String message) {
        super(message);
    }

    /**
     * An error with a message and its cause.
     *
     * @param message what is wrong, naming the file
     * @param cause the underlying failure (a zip or HDF5 reader error)
     */
    public KerasFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
