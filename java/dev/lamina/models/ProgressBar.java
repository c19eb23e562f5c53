package dev.lamina.models;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * Keras-style training progress: on a terminal a bar redrawn in place per epoch
 * ({@code 25/32 [======================>.......] - ETA: 0s - loss: 0.1234}); elsewhere one line
 * per epoch; nothing at verbose 0.
 */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final int verbose;
    private final boolean terminal;
    private final int steps;
    private long epochStart;
    private long lastDraw;

    ProgressBar(PrintStream out, int verbose, int steps, boolean terminal) {
        this.out = out;
        this.verbose = verbose;
        this.steps = steps;
        this.terminal = terminal;
    }

    static boolean isTerminal() {
        return System.console() != null && System.getenv("CI") == null;
    }

    void epochBegin(int epoch, int epochs) {
        epochStart = System.nanoTime();
        lastDraw = 0;
        if (verbose > 0) {
            out.println("Epoch " + (epoch + 1) + "/" + epochs);
        }
    }

    void batchEnd(int step, Map<String, Double> logs) {
        if (verbose != 1 || !terminal) {
            return;
        }
        long now = System.nanoTime();
        if (step < steps && now - lastDraw < 50_000_000L) {
            return; // redraw at most 20 times a second
        }
        lastDraw = now;
        double elapsed = (now - epochStart) / 1e9;
        double eta = step == 0 ? 0 : elapsed / step * (steps - step);
        StringBuilder sb = new StringBuilder("\r");
        sb.append(bar(step)).append(" - ETA: ").append(time(eta));
        appendLogs(sb, logs);
        out.print(sb);
        out.flush();
    }

    void epochEnd(Map<String, Double> logs) {
        if (verbose == 0) {
            return;
        }
        double elapsed = (System.nanoTime() - epochStart) / 1e9;
        StringBuilder sb = new StringBuilder();
        if (terminal && verbose == 1) {
            sb.append('\r');
        }
        sb.append(bar(steps)).append(" - ").append(time(elapsed)).append(' ')
                .append(String.format(Locale.ROOT, "%.0fms/step", steps == 0 ? 0 : elapsed * 1000 / steps));
        appendLogs(sb, logs);
        out.println(sb);
    }

    private String bar(int step) {
        String count = String.format(Locale.ROOT, "%" + String.valueOf(steps).length() + "d/%d", step, steps);
        int done = steps == 0 ? WIDTH : (int) ((long) WIDTH * step / steps);
        StringBuilder b = new StringBuilder(count).append(" [");
        for (int i = 0; i < WIDTH; i++) {
            b.append(i < done - 1 || (i == done - 1 && step == steps) ? '=' : i == done - 1 ? '>' : '.');
        }
        return b.append(']').toString();
    }

    private static String time(double seconds) {
        if (seconds < 60) {
            return String.format(Locale.ROOT, "%.0fs", seconds);
        }
        return String.format(Locale.ROOT, "%d:%02d", (long) seconds / 60, (long) seconds % 60);
    }

    private static void appendLogs(StringBuilder sb, Map<String, Double> logs) {
        for (Map.Entry<String, Double> e : logs.entrySet()) {
            sb.append(" - ").append(e.getKey()).append(": ").append(String.format(Locale.ROOT, "%.4f", e.getValue()));
        }
    }
}
