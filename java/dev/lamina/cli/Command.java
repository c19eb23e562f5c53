package dev.lamina.cli;

import java.io.PrintStream;
import java.util.List;

/** One {@code lamina <command>}: a name, a one-line summary, its help text and its action. */
public interface Command {

    /** The word after {@code lamina}. */
    String name();

    /** One line for {@code lamina --help}. */
    String summary();

    /** The full text of {@code lamina <name> --help}: usage line, options, exit codes. */
    String help();

    /**
     * Runs the command. Returns the exit code: 0 ok, 1 check failures. Bad usage is a
     * {@link UsageException}; unreadable input an {@link IllegalArgumentException} or
     * {@link java.io.IOException} (both exit 2).
     */
    int run(List<String> args, PrintStream out, PrintStream err) throws Exception;
}
