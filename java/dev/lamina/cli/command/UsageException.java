package dev.lamina.cli.command;

/** A command line that does not make sense; {@code lamina} (dev.lamina.cli.Main) prints the message and exits with 2. */
public class UsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /**
     * A usage error.
     *
     * @param message what is wrong with the command line, naming the option
     */
    public UsageException(String message) {
        super(message);
    }
}
