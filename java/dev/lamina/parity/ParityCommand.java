package dev.lamina.parity;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.cli.Command;
import dev.lamina.cli.Main;
import dev.lamina.cli.UsageException;
import dev.lamina.util.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code lamina parity PATH... [--backend B] [--json FILE] [--tolerance X]}. */
public final class ParityCommand implements Command {

    @Override
    public String name() {
        return "parity";
    }

    @Override
    public String summary() {
        return "check ops, forward and backward, against parity case files";
    }

    @Override
    public String help() {
        return "usage: lamina parity PATH... [--backend reference|cpu|cuda|all] [--json FILE] [--tolerance X]\n"
                + "\n"
                + "Runs each parity case (a .safetensors file, or every *.safetensors file in a directory)\n"
                + "on each backend and compares outputs and gradients with the stored reference values:\n"
                + "relative error |out - ref| / |ref| (absolute when |ref| = 0); NaN or Inf never passes.\n"
                + "Ops not implemented yet are reported SKIP.\n"
                + "\n"
                + "options:\n"
                + "  --backend B     reference, cpu, cuda, or all (default: every usable backend)\n"
                + "  --json FILE     also write all results as JSON to FILE\n"
                + "  --tolerance X   largest relative error that passes (default 1e-5)\n"
                + "  --debug         stack traces for errors\n"
                + "\n"
                + "supported ops: " + String.join(", ", ParityOps.TABLE.keySet()) + "\n"
                + "exit codes: 0 all checks passed, 1 a check failed, 2 bad usage or unreadable input\n";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws IOException {
        List<Path> paths = new ArrayList<>();
        String backendName = "all";
        Path json = null;
        double tolerance = ParityRunner.DEFAULT_TOLERANCE;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String opt = a;
            String value = null;
            if (a.startsWith("--") && a.contains("=")) {
                opt = a.substring(0, a.indexOf('='));
                value = a.substring(a.indexOf('=') + 1);
            }
            switch (opt) {
                case "--backend":
                case "--json":
                case "--tolerance":
                    if (value == null) {
                        if (i + 1 >= args.size()) {
                            throw new UsageException(opt + " needs a value");
                        }
                        value = args.get(++i);
                    }
                    if (opt.equals("--backend")) {
                        backendName = value;
                    } else if (opt.equals("--json")) {
                        json = Paths.get(value);
                    } else {
                        try {
                            tolerance = Double.parseDouble(value);
                        } catch (NumberFormatException e) {
                            throw new UsageException("--tolerance: not a number: " + value);
                        }
                        if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
                            throw new UsageException("--tolerance must be a finite number >= 0, got " + value);
                        }
                    }
                    break;
                default:
                    if (a.startsWith("-") && a.length() > 1) {
                        throw new UsageException("unknown option " + a);
                    }
                    paths.add(Paths.get(a));
            }
        }
        if (paths.isEmpty()) {
            throw new UsageException("no PATH given");
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
        return summary.failed() > 0 ? Main.FAILURES : Main.OK;
    }
}
