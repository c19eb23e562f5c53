package dev.lamina.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Line charts written as PNG files (XChart, headless). */
public final class Charts {
    private Charts() {
    }

    /** One named line: x and y of equal length (NaN y values leave gaps). */
    public record Line(String name, double[] x, double[] y) {
        public Line {
            if (x.length != y.length) {
                throw new IllegalArgumentException("Line " + name + ": " + x.length + " x values but " + y.length + " y values");
            }
        }
    }

    /** Writes a line chart to {@code file} (PNG, width×height pixels), atomically. */
    public static void linePng(Path file, String title, String xLabel, String yLabel, int width, int height, Line... lines) {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        chart.getStyler().setMarkerSize(0);
        for (Line l : lines) {
            XYSeries s = chart.addSeries(l.name(), l.x(), l.y());
            s.setMarker(SeriesMarkers.NONE);
            s.setLineStyle(new BasicStroke(1.5f));
        }
        byte[] png;
        try {
            png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot draw chart " + file + ": " + e.getMessage(), e);
        }
        // replaced atomically, with the umask's permissions; stale temporaries of killed writes cleaned
        dev.lamina.io.AtomicFiles.writeFile(file, png);
    }

    /** 0, 1, ..., n-1 as doubles (an x axis of indices). */
    public static double[] indices(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i;
        }
        return x;
    }

    /** Convenience: name → y series over a shared x axis. */
    public static Line[] lines(double[] x, Map<String, double[]> ys) {
        Line[] out = new Line[ys.size()];
        int i = 0;
        for (Map.Entry<String, double[]> e : new LinkedHashMap<>(ys).entrySet()) {
            out[i++] = new Line(e.getKey(), x, e.getValue());
        }
        return out;
    }
}
