package dev.lamina.cli;

import dev.lamina.cli.command.Command;
import dev.lamina.cli.command.UsageException;
import dev.lamina.parity.ParityCommand;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The {@code lamina} command-line tool: {@code lamina <command> [options]}, parsed by picocli from
 * each command's annotated fields (see {@link Command}), so that {@code --help} is generated from the
 * options themselves.
 *
 * <p>Exit codes: 0 success, 1 checks ran and some failed, 2 bad usage or unreadable input (one
 * line on stderr; {@code --debug} anywhere on the line adds the stack trace).
 */
public final class Main {
    /** Exit code: success. */
    public static final int OK = Command.OK;
    /** Exit code: the command ran and found failures. */
    public static final int FAILURES = Command.FAILURES;
    /** Exit code: bad usage or unreadable input. */
    public static final int USAGE = Command.USAGE;

    /**
     * Every command, in the order {@code --help} lists them: a {@link Command}, or a picocli
     * {@code @Command} whose subcommands are (bench). Add new commands here.
     */
    private static final List<Supplier<Object>> COMMANDS = List.of(
            dev.lamina.forecast.ForecastCommand::new,
            dev.lamina.examples.CnnCommand::new,
            ParityCommand::new,
            dev.lamina.bench.BenchCommand::new,
            dev.lamina.tuner.TuneCommand::new,
            dev.lamina.serving.ServeCommand::new);

    private Main() {
    }

    /** The top of the command line: {@code lamina [-hV] COMMAND}. */
    @CommandLine.Command(name = "lamina", synopsisSubcommandLabel = "COMMAND",
            header = "Lamina, a deep-learning engine for Java: its command-line tool.",
            footer = {"'lamina COMMAND --help' (or 'lamina help COMMAND') describes a command. Add --debug for stack traces.",
                "exit codes: 0 ok, 1 check failures, 2 bad usage or unreadable input"})
    static final class Top {
        @CommandLine.Option(names = "--debug", description = "print the stack trace of an error (anywhere on the line)")
        boolean debug;
    }

    /**
     * The registered commands.
     *
     * @return command name to its one-line summary, in the order {@code --help} lists them
     */
    public static Map<String, String> commands() {
        Map<String, String> m = new LinkedHashMap<>();
        for (Map.Entry<String, CommandLine> e : commandLine().getSubcommands().entrySet()) {
            String[] header = e.getValue().getCommandSpec().usageMessage().header();
            m.put(e.getKey(), header.length > 0 ? header[0] : "");
        }
        return Collections.unmodifiableMap(m);
    }

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /**
     * Runs one command line and returns its exit code (never calls System.exit).
     *
     * @param argv the command line, without the program name
     * @param out where the command's output and help go
     * @param err where errors go
     * @return the exit code: {@link #OK}, {@link #FAILURES} or {@link #USAGE}
     */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        List<String> args = new ArrayList<>(List.of(argv));
        boolean debug = args.remove("--debug");
        while (args.remove("--debug")) {
            // drop repeats
        }
        if (args.isEmpty()) {
            err.println("lamina: missing command (try 'lamina --help')");
            return USAGE;
        }
        CommandLine top = commandLine();
        String first = args.get(0);
        if (first.equals("--help") || first.equals("-h") || first.equals("help")) {
            CommandLine sub = args.size() > 1 ? top.getSubcommands().get(args.get(1)) : null;
            out.print((sub != null ? sub : top).getUsageMessage(Ansi.OFF));
            return OK;
        }
        ParseResult parsed;
        try {
            parsed = top.parseArgs(args.toArray(new String[0]));
        } catch (ParameterException e) {
            err.println(CommandLines.errorLine(e));
            trace(debug, e, err);
            return USAGE;
        }
        List<CommandLine> chain = parsed.asCommandLineList();
        for (CommandLine c : chain) {
            if (c.isUsageHelpRequested()) {
                out.print(c.getUsageMessage(Ansi.OFF));
                return OK;
            }
            if (c.isVersionHelpRequested()) {
                out.println(CommandLines.versionLine());
                return OK;
            }
        }
        CommandLine last = chain.get(chain.size() - 1);
        String name = "lamina " + chain.get(Math.min(1, chain.size() - 1)).getCommandName();
        if (!(last.getCommand() instanceof Command)) {
            err.println(name + ": missing command (" + String.join(", ", last.getSubcommands().keySet()) + "; try '"
                    + last.getCommandSpec().qualifiedName() + " --help')");
            return USAGE;
        }
        try {
            return ((Command) last.getCommand()).run(out, err);
        } catch (UsageException e) {
            err.println(name + ": " + e.getMessage() + " (try '" + last.getCommandSpec().qualifiedName() + " --help')");
            trace(debug, e, err);
            return USAGE;
        } catch (IllegalArgumentException | IOException | UncheckedIOException e) {
            err.println(name + ": " + oneLine(e));
            trace(debug, e, err);
            return USAGE;
        } catch (Exception | Error e) {
            err.println(name + ": internal error: " + e
                    + (debug ? "" : " (run with --debug for the stack trace)"));
            trace(debug, e, err);
            return USAGE;
        }
    }

    /** A fresh parser (picocli fills the command objects' fields, so each run gets new ones). */
    private static CommandLine commandLine() {
        CommandLine top = new CommandLine(new Top());
        for (Supplier<Object> c : COMMANDS) {
            top.addSubcommand(c.get());
        }
        return CommandLines.configure(top);
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            m = e.toString();
        }
        return m.replace('\n', ' ');
    }

    private static void trace(boolean debug, Throwable e, PrintStream err) {
        if (debug) {
            e.printStackTrace(err);
        }
    }

    /**
     * The text of {@code lamina --help}.
     *
     * @return the usage text, the commands listed one per line as {@code "  name   summary"}
     */
    public static String usage() {
        return commandLine().getUsageMessage(Ansi.OFF);
    }
}
