package dev.lamina.bench;

import dev.lamina.backend.cpu.CpuBackend;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The {@code name: value} lines shared by {@code lamina bench fit|predict|forward}: the machine
 * (cores, kernel threads, load average) and min/median of a list of timings.
 */
final class BenchReport {
    private BenchReport() {
    }

    /** Prints {@code name: value}, numbers with Locale.ROOT. */
    static void line(PrintStream out, String name, Object value) {
        if (value instanceof Double d) {
            out.println(name + ": " + String.format(Locale.ROOT, "%.6g", d));
        } else {
            out.println(name + ": " + value);
        }
    }

    /** The machine lines: cores, the cpu kernel threads and target, the 1-minute load average. */
    static void machine(PrintStream out) {
        line(out, "cores", Runtime.getRuntime().availableProcessors());
        line(out, "threads", CpuBackend.threads());
        line(out, "cpu_target", CpuBackend.cpuTarget());
        line(out, "load_average", loadAverage());
    }

    /** The first three fields of /proc/loadavg, or "unknown". */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "unknown";
        }
    }

    static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    /** The median (the mean of the middle two for an even count). */
    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** The q-quantile (nearest rank) of v, 0 ≤ q ≤ 1. */
    static double quantile(double[] v, double q) {
        double[] s = v.clone();
        Arrays.sort(s);
        int i = (int) Math.ceil(q * s.length) - 1;
        return s[Math.max(0, Math.min(s.length - 1, i))];
    }

    /** Sets the cpu kernel threads when n is positive (0: keep the default). */
    static void threads(int n) {
        if (n > 0) {
            CpuBackend.setThreads(n);
        }
    }
}
