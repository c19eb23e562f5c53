package dev.lamina.parity;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.cli.command.Command;
import dev.lamina.cli.command.UsageException;
import dev.lamina.util.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lamina parity PATH... [--backend B] [--json FILE] [--tolerance X]}. */
@CommandLine.Command(name = "parity",
        header = "check ops, forward and backward, against parity case files",
        description = {
            "Runs each parity case (a .safetensors file, or every *.safetensors file in a directory) on each backend "
                + "and compares outputs and gradients with the stored reference values: relative error "
                + "|out - ref| / |ref| (absolute when |ref| = 0); NaN or Inf never passes. Ops not implemented yet are "
                + "reported SKIP."},
        footer = "exit codes: 0 all checks passed, 1 a check failed, 2 bad usage or unreadable input")
public final class ParityCommand implements Command {
    // ---- the options of lamina parity (picocli fills them) ----
    @Parameters(paramLabel = "PATH", arity = "1..*", description = "a case file (.safetensors) or a directory of them")
    List<Path> paths = new ArrayList<>();
    @Option(names = "--backend", paramLabel = "B", description = "reference, cpu, cuda, or all (default: every usable backend)")
    String backendName = "all";
    @Option(names = "--json", paramLabel = "FILE", description = "also write all results as JSON to FILE")
    Path json;
    @Option(names = "--tolerance", paramLabel = "X", description = "largest relative error that passes (default ${DEFAULT-VALUE})")
    double tolerance = ParityRunner.DEFAULT_TOLERANCE;
    // ---- end of options ----

    /** The footer names the ops of {@link ParityOps#TABLE}, which an annotation cannot. */
    @Override
    public void customizeHelp(CommandLine.Model.UsageMessageSpec usage) {
        List<String> footer = new ArrayList<>();
        footer.add("supported ops: " + String.join(", ", ParityOps.TABLE.keySet()));
        footer.addAll(List.of(usage.footer()));
        usage.footer(footer.toArray(new String[0]));
    }

    @Override
    public int run(PrintStream out, PrintStream err) throws IOException {
        if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
            throw new UsageException("--tolerance must be a finite number >= 0, got " + tolerance);
        }
        List<Backend> backends;
        if (backendName.equalsIgnoreCase("all")) {
            backends = ParityRunner.usableBackends();
        } else {
            try {
                backends = List.of(Backends.byName(backendName));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }

        ParityRunner runner = new ParityRunner(tolerance, backends, r -> out.println(r.line()));
        List<ParityRunner.Result> results = runner.run(paths);
        ParityRunner.Summary summary = ParityRunner.Summary.of(results);
        out.println(summary.line());

        if (json != null) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("tolerance", tolerance);
            List<String> names = new ArrayList<>();
            for (Backend b : backends) {
                names.add(b.name());
            }
            doc.put("backends", names);
            Map<String, Object> counts = new LinkedHashMap<>();
            counts.put("passed", summary.passed());
            counts.put("failed", summary.failed());
            counts.put("skipped", summary.skipped());
            doc.put("summary", counts);
            List<Object> rs = new ArrayList<>();
            for (ParityRunner.Result r : results) {
                rs.add(r.toJson());
            }
            doc.put("results", rs);
            Files.write(json, (Json.writePretty(doc) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return summary.failed() > 0 ? Command.FAILURES : Command.OK;
    }
}
