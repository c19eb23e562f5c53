package dev.lamina.cli;

import dev.lamina.parity.ParityCommand;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code lamina} command-line tool: {@code lamina <command> [options]}.
 *
 * <p>Exit codes: 0 success, 1 checks ran and some failed, 2 bad usage or unreadable input (one
 * line on stderr; {@code --debug} anywhere on the line adds the stack trace).
 */
public final class Main {
    /** Exit code: success. */
    public static final int OK = 0;
    /** Exit code: the command ran and found failures. */
    public static final int FAILURES = 1;
    /** Exit code: bad usage or unreadable input. */
    public static final int USAGE = 2;

    /** Every command, by name, in the order {@code --help} lists them. Add new commands here. */
    private static final Map<String, Command> COMMANDS = table(
            new dev.lamina.forecast.ForecastCommand(),
            new dev.lamina.examples.CnnCommand(),
            new ParityCommand(),
            new dev.lamina.bench.BenchCommand(),
            new dev.lamina.tuner.TuneCommand(),
            new dev.lamina.serving.ServeCommand());

    private Main() {
    }

    private static Map<String, Command> table(Command... commands) {
        Map<String, Command> m = new LinkedHashMap<>();
        for (Command c : commands) {
            if (m.put(c.name(), c) != null) {
                throw new IllegalStateException("two commands named " + c.name());
            }
        }
        return Collections.unmodifiableMap(m);
    }

    /** The registered commands. */
    public static Map<String, Command> commands() {
        return COMMANDS;
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /** Runs one command line and returns its exit code (never calls System.exit). */
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
        String first = args.get(0);
        if (first.equals("--help") || first.equals("-h") || first.equals("help")) {
            if (args.size() > 1 && COMMANDS.containsKey(args.get(1))) {
                out.print(COMMANDS.get(args.get(1)).help());
                return OK;
            }
            out.print(usage());
            return OK;
        }
        Command cmd = COMMANDS.get(first);
        if (cmd == null) {
            err.println("lamina: unknown command '" + first + "' (commands: "
                    + String.join(", ", COMMANDS.keySet()) + ")");
            return USAGE;
        }
        List<String> rest = args.subList(1, args.size());
        if (rest.contains("--help") || rest.contains("-h")) {
            out.print(cmd.help());
            return OK;
        }
        try {
            return cmd.run(new ArrayList<>(rest), out, err);
        } catch (UsageException e) {
            err.println("lamina " + cmd.name() + ": " + e.getMessage() + " (try 'lamina " + cmd.name() + " --help')");
            trace(debug, e, err);
            return USAGE;
        } catch (IllegalArgumentException | IOException | UncheckedIOException e) {
            err.println("lamina " + cmd.name() + ": " + oneLine(e));
            trace(debug, e, err);
            return USAGE;
        } catch (Exception | Error e) {
            err.println("lamina " + cmd.name() + ": internal error: " + e
                    + (debug ? "" : " (run with --debug for the stack trace)"));
            trace(debug, e, err);
            return USAGE;
        }
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

    /** The text of {@code lamina --help}. */
    public static String usage() {
        StringBuilder sb = new StringBuilder();
        sb.append("usage: lamina <command> [options]\n\n");
        sb.append("commands:\n");
        int width = 0;
        for (String n : COMMANDS.keySet()) {
            width = Math.max(width, n.length());
        }
        for (Command c : COMMANDS.values()) {
            sb.append("  ").append(c.name()).append(" ".repeat(width - c.name().length() + 3))
                    .append(c.summary()).append('\n');
        }
        sb.append("\n'lamina <command> --help' describes a command. Add --debug for stack traces.\n");
        sb.append("exit codes: 0 ok, 1 check failures, 2 bad usage or unreadable input\n");
        return sb.toString();
    }
}
