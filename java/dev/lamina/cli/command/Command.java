package dev.lamina.cli.command;

import java.io.PrintStream;
import picocli.CommandLine;

/**
 * One {@code lamina <command>}: a class annotated with picocli's {@code @Command} (its name, a
 * one-line {@code header} for {@code lamina --help}, a {@code description} and {@code footer} for its
 * own help) whose {@code @Option} and {@code @Parameters} fields are its command line, all declared
 * together at the top of the class. {@link dev.lamina.cli.Main} fills the fields, answers {@code --help}
 * and {@code --version} from them, then calls {@link #run}.
 *
 * <p>This package ({@code cli.command}) is the leaf every command depends on: the interface, the
 * exit codes, {@link Checks} and {@link UsageException}. {@code cli.Main} lists the commands, so the
 * command packages (forecast, examples, parity, serving, tuner, bench) never depend on {@code cli}.
 */
public interface Command {
    /** Exit code: success. */
    int OK = 0;
    /** Exit code: the command ran and found failures. */
    int FAILURES = 1;
    /** Exit code: bad usage or unreadable input. */
    int USAGE = 2;

    /**
     * Runs the command with the fields as parsed. Bad usage found here is a {@link UsageException};
     * unreadable input an {@link IllegalArgumentException} or {@link java.io.IOException} (all exit 2).
     *
     * @param out where the command's output goes
     * @param err where warnings go
     * @return the exit code: {@link #OK}, or {@link #FAILURES} when checks ran and some failed
     * @throws Exception any failure; {@code Main} turns it into one line on {@code err} and exit code 2
     */
    int run(PrintStream out, PrintStream err) throws Exception;

    /**
     * Adds to the generated help what an annotation cannot hold (a list computed at run time).
     * The default adds nothing.
     *
     * @param usage the command's help sections, to change in place
     */
    default void customizeHelp(CommandLine.Model.UsageMessageSpec usage) {
    }
}
