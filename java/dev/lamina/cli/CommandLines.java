package dev.lamina.cli;

import dev.lamina.cli.command.Command;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The house style of every {@code lamina} command line: picocli settings, the help layout, number
 * converters with the messages the commands have always given, and one-line error messages.
 */
final class CommandLines {
    private CommandLines() {
    }

    /** Applies the house style to {@code top} and every subcommand under it (call after adding them). */
    static CommandLine configure(CommandLine top) {
        style(top, true);
        // these settings reach every subcommand already added
        top.setOverwrittenOptionsAllowed(true);   // --epochs 1 --epochs 2: the last one counts, as before picocli
        top.setExpandAtFiles(false);              // an argument starting with @ is a file name, not an argument file
        top.registerConverter(Integer.class, v -> parseInt(v));
        top.registerConverter(Integer.TYPE, v -> parseInt(v));
        top.registerConverter(Long.class, v -> parseLong(v));
        top.registerConverter(Long.TYPE, v -> parseLong(v));
        top.registerConverter(Double.class, v -> parseDouble(v));
        top.registerConverter(Double.TYPE, v -> parseDouble(v));
        return top;
    }

    private static void style(CommandLine cl, boolean isTop) {
        CommandSpec spec = cl.getCommandSpec();
        spec.mixinStandardHelpOptions(true);
        spec.versionProvider(() -> new String[] {versionLine()});
        if (!isTop) {
            // documents Main's --debug (taken off the line before parsing, wherever it stands)
            spec.addOption(OptionSpec.builder("--debug").description("print the stack trace of an error").build());
        }
        spec.usageMessage()
                .width(100)
                .synopsisHeading("usage: ")
                .headerHeading("%n")
                .descriptionHeading("%n")
                .parameterListHeading("%narguments:%n")
                .optionListHeading("%noptions:%n")
                .commandListHeading("%ncommands:%n")
                .footerHeading("%n")
                .sortOptions(false);
        if (spec.usageMessage().description().length == 0) {
            spec.usageMessage().descriptionHeading("");
        }
        // "usage: lamina NAME ..." first, then the one-line summary (the header), then the rest
        List<String> keys = new ArrayList<>(cl.getHelpSectionKeys());
        keys.remove(CommandLine.Model.UsageMessageSpec.SECTION_KEY_HEADER_HEADING);
        keys.remove(CommandLine.Model.UsageMessageSpec.SECTION_KEY_HEADER);
        int at = keys.indexOf(CommandLine.Model.UsageMessageSpec.SECTION_KEY_SYNOPSIS) + 1;
        keys.add(at, CommandLine.Model.UsageMessageSpec.SECTION_KEY_HEADER);
        keys.add(at, CommandLine.Model.UsageMessageSpec.SECTION_KEY_HEADER_HEADING);
        cl.setHelpSectionKeys(keys);
        if (cl.getCommand() instanceof Command) {
            ((Command) cl.getCommand()).customizeHelp(spec.usageMessage());
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            style(sub, false);
        }
    }

    /** {@code lamina VERSION}, from the version.properties that the build fills in. */
    static String versionLine() {
        try (InputStream in = CommandLines.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.startsWith("$")) {
                    return "lamina " + v;
                }
            }
        } catch (IOException e) {
            // fall through: the version is unknown
        }
        return "lamina (version unknown: dev/lamina/cli/version.properties was not filled in by the build)";
    }

    /**
     * The one line printed for a command line picocli refused: {@code lamina COMMAND: what is wrong
     * (try 'lamina COMMAND --help')}.
     */
    static String errorLine(ParameterException e) {
        CommandLine where = e.getCommandLine();
        List<String> path = new ArrayList<>();
        for (CommandLine c = where; c != null; c = c.getParent()) {
            path.add(0, c.getCommandName());
        }
        String prefix = path.size() > 1 ? path.get(0) + " " + path.get(1) : path.get(0);
        String qualified = String.join(" ", path);
        String what;
        if (e instanceof UnmatchedArgumentException && !((UnmatchedArgumentException) e).getUnmatched().isEmpty()) {
            String arg = ((UnmatchedArgumentException) e).getUnmatched().get(0);
            if (!where.getSubcommands().isEmpty() && !arg.startsWith("-")) {
                what = "unknown command '" + arg + "' (" + (path.size() > 1 ? qualified + " commands: " : "commands: ")
                        + String.join(", ", where.getSubcommands().keySet()) + ")";
            } else if (arg.startsWith("-") && arg.length() > 1) {
                int eq = arg.indexOf('=');
                what = "unknown option " + (eq > 0 ? arg.substring(0, eq) : arg);
            } else {
                what = "unexpected argument '" + arg + "'";
            }
        } else if (e instanceof MissingParameterException && !((MissingParameterException) e).getMissing().isEmpty()) {
            List<ArgSpec> missing = ((MissingParameterException) e).getMissing();
            if (missing.get(0).isOption() && String.valueOf(e.getMessage()).startsWith("Missing required parameter for option")) {
                what = ((OptionSpec) missing.get(0)).longestName() + " needs a value";
            } else {
                List<String> names = new ArrayList<>();
                for (ArgSpec a : missing) {
                    names.add(a.isOption() ? ((OptionSpec) a).longestName() + " " + a.paramLabel() : a.paramLabel());
                }
                what = "missing " + String.join(", ", names);
            }
        } else {
            String m = e.getMessage() == null ? e.toString() : e.getMessage().replace('\n', ' ').strip();
            what = m.isEmpty() ? m : Character.toLowerCase(m.charAt(0)) + m.substring(1);
        }
        return prefix + ": " + what + " (try '" + qualified + " --help')";
    }

    private static int parseInt(String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("not an integer: " + v);
        }
    }

    private static long parseLong(String v) {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("not an integer: " + v);
        }
    }

    private static double parseDouble(String v) {
        String t = v.trim();
        try {
            // Double.parseDouble also takes "NaN", "Infinity", hex and a trailing d or f: number options want none of them
            if (t.isEmpty() || !t.toLowerCase(Locale.ROOT).matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)(e[-+]?\\d+)?")) {
                throw new NumberFormatException(t);
            }
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new TypeConversionException("not a number: " + v);
        }
    }
}
