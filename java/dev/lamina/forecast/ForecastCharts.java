package dev.lamina.forecast;

import dev.lamina.io.AtomicFiles;
import dev.lamina.models.History;
import dev.lamina.plot.Charts;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The forecaster's charts (XChart, headless). Load this class only when
 * {@link dev.lamina.plot.DesktopModule#available()}: it needs java.desktop.
 * <ul>
 *   <li>{@code forecast.png} (1 week ahead) and {@code forecast-hH.png} (the largest horizon): the
 *       actual series, the forecast with its 50 % and 95 % bands shaded, and persistence, against
 *       the weeks' dates;</li>
 *   <li>{@code horizons.png}: MAE and WIS by horizon for the forecaster and the baselines;</li>
 *   <li>{@code loss.png}: each member's training and validation loss per epoch.</li>
 * </ul>
 */
final class ForecastCharts {
    private static final Color BAND95 = new Color(70, 130, 180, 60);
    private static final Color BAND50 = new Color(70, 130, 180, 120);

    private ForecastCharts() {
    }

    static void write(Path dir, ForecastSettings s, Forecaster.Evaluation e) {
        List<Forecaster.HorizonForecasts> hs = e.horizons();
        forecast(dir.resolve("forecast.png"), s, hs.get(0));
        if (hs.size() > 1) {
            Forecaster.HorizonForecasts last = hs.get(hs.size() - 1);
            forecast(dir.resolve("forecast-h" + last.horizon() + ".png"), s, last);
        }
        horizons(dir.resolve("horizons.png"), s, hs);
        loss(dir.resolve("loss.png"), e.training());
    }

    private static void forecast(Path file, ForecastSettings s, Forecaster.HorizonForecasts h) {
        System.setProperty("java.awt.headless", "true");
        String what = s.csv != null ? s.csv.getFileName().toString() : s.city;
        XYChart c = new XYChartBuilder().width(1100).height(480)
                .title("Weekly " + s.target + ", " + what + ": forecasts " + h.horizon() + " week(s) ahead of the test weeks")
                .xAxisTitle(h.dates() == null ? "row" : "week").yAxisTitle(s.target).build();
        style(c);
        c.getStyler().setDatePattern("yyyy-MM");
        c.getStyler().setTimezone(TimeZone.getTimeZone("UTC"));
        List<Object> x = new ArrayList<>();
        for (int i = 0; i < h.actual().length; i++) {
            x.add(h.dates() == null ? (Object) (double) h.rows()[i] : toDate(h.dates().get(i)));
        }
        if (h.quantiles() != null) {
            band(c, "95% interval", x, h.quantiles(), QuantileScores.indexOf(QuantileScores.LEVELS, 0.025),
                    QuantileScores.indexOf(QuantileScores.LEVELS, 0.975), BAND95);
            band(c, "50% interval", x, h.quantiles(), QuantileScores.indexOf(QuantileScores.LEVELS, 0.25),
                    QuantileScores.indexOf(QuantileScores.LEVELS, 0.75), BAND50);
        }
        line(c, "actual", x, h.actual(), Color.BLACK, 1.6f);
        line(c, "LSTM ensemble forecast", x, h.point(), new Color(20, 70, 160), 1.6f);
        line(c, "persistence", x, h.persistence(), new Color(220, 110, 30), 1.0f);
        save(c, file);
    }

    private static void band(XYChart c, String name, List<Object> x, double[][] q, int lo, int hi, Color color) {
        int n = x.size();
        List<Object> px = new ArrayList<>();
        List<Double> py = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            px.add(x.get(i));
            py.add(q[i][hi]);
        }
        for (int i = n - 1; i >= 0; i--) {
            px.add(x.get(i));
            py.add(q[i][lo]);
        }
        XYSeries s = c.addSeries(name, px, py);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
        s.setMarker(SeriesMarkers.NONE);
        s.setFillColor(color);
        s.setLineColor(color);
        s.setLineStyle(new BasicStroke(0.1f));
    }

    private static void line(XYChart c, String name, List<Object> x, double[] y, Color color, float width) {
        List<Double> py = new ArrayList<>();
        for (double v : y) {
            py.add(v);
        }
        XYSeries s = c.addSeries(name, x, py);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(color);
        s.setLineStyle(new BasicStroke(width));
    }

    private static void horizons(Path file, ForecastSettings s, List<Forecaster.HorizonForecasts> hs) {
        System.setProperty("java.awt.headless", "true");
        double[] x = new double[hs.size()];
        double[][] mae = new double[3][hs.size()];
        double[][] wis = new double[2][hs.size()];
        boolean quantiles = hs.get(0).quantiles() != null;
        for (int i = 0; i < hs.size(); i++) {
            Map<String, Map<String, Double>> sc = hs.get(i).scores();
            x[i] = hs.get(i).horizon();
            mae[0][i] = sc.get("lstm").get("mae");
            mae[1][i] = sc.get("persistence").get("mae");
            mae[2][i] = sc.get("seasonal_naive").get("mae");
            wis[0][i] = quantiles ? sc.get("lstm").get("wis") : Double.NaN;
            wis[1][i] = sc.get("persistence").get("wis");
        }
        String what = s.csv != null ? s.csv.getFileName().toString() : s.city;
        XYChart a = new XYChartBuilder().width(560).height(420).title("MAE by horizon, " + what + " test weeks")
                .xAxisTitle("weeks ahead").yAxisTitle("MAE (" + s.target + ")").build();
        style(a);
        a.getStyler().setXAxisDecimalPattern("0");
        marked(a, "LSTM ensemble", x, mae[0], new Color(20, 70, 160));
        marked(a, "persistence", x, mae[1], new Color(220, 110, 30));
        marked(a, "seasonal naive", x, mae[2], new Color(120, 120, 120));
        XYChart b = new XYChartBuilder().width(560).height(420).title("WIS by horizon, " + what + " test weeks")
                .xAxisTitle("weeks ahead").yAxisTitle("weighted interval score").build();
        style(b);
        b.getStyler().setXAxisDecimalPattern("0");
        if (quantiles) {
            marked(b, "LSTM ensemble (quantiles)", x, wis[0], new Color(20, 70, 160));
        }
        marked(b, "probabilistic persistence", x, wis[1], new Color(220, 110, 30));
        try {
            // the two charts side by side, encoded in memory and written like every output (AtomicFiles)
            java.awt.image.BufferedImage ia = BitmapEncoder.getBufferedImage(a);
            java.awt.image.BufferedImage ib = BitmapEncoder.getBufferedImage(b);
            java.awt.image.BufferedImage both = new java.awt.image.BufferedImage(ia.getWidth() + ib.getWidth(),
                    Math.max(ia.getHeight(), ib.getHeight()), java.awt.image.BufferedImage.TYPE_INT_RGB);
            java.awt.Graphics2D g = both.createGraphics();
            try {
                g.setColor(Color.WHITE);
                g.fillRect(0, 0, both.getWidth(), both.getHeight());
                g.drawImage(ia, 0, 0, null);
                g.drawImage(ib, ia.getWidth(), 0, null);
            } finally {
                g.dispose();
            }
            java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
            if (!javax.imageio.ImageIO.write(both, "png", png)) {
                throw new IOException("no PNG writer");
            }
            AtomicFiles.writeFile(file, png.toByteArray());
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write chart " + file + ": " + ex.getMessage(), ex);
        }
    }

    private static void marked(XYChart c, String name, double[] x, double[] y, Color color) {
        XYSeries s = c.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setMarkerColor(color);
        s.setLineColor(color);
        s.setLineStyle(new BasicStroke(1.8f));
    }

    private static void loss(Path file, Forecaster.Training t) {
        System.setProperty("java.awt.headless", "true");
        XYChart c = new XYChartBuilder().width(1000).height(420)
                .title("Loss per epoch (MSE of the scaled changes; early stopping keeps each member's best)")
                .xAxisTitle("epoch").yAxisTitle("loss").build();
        style(c);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setXAxisDecimalPattern("0");
        for (int k = 0; k < t.histories().size(); k++) {
            History h = t.histories().get(k);
            double[] ex = Charts.indices(h.get("loss").size());
            for (int i = 0; i < ex.length; i++) {
                ex[i] += 1;
            }
            XYSeries tr = c.addSeries("member " + (k + 1) + " training", ex,
                    h.get("loss").stream().mapToDouble(Double::doubleValue).toArray());
            tr.setMarker(SeriesMarkers.NONE);
            List<Double> val = h.history().get("val_loss");
            if (val != null && val.size() == ex.length) {
                XYSeries va = c.addSeries("member " + (k + 1) + " validation", ex,
                        val.stream().mapToDouble(Double::doubleValue).toArray());
                va.setMarker(SeriesMarkers.NONE);
                va.setLineStyle(new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {5f, 3f}, 0f));
            }
        }
        save(c, file);
    }

    private static void style(XYChart c) {
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        c.getStyler().setMarkerSize(6);
    }

    private static Date toDate(LocalDate d) {
        return Date.from(d.atStartOfDay().toInstant(ZoneOffset.UTC));
    }

    /** Writes a chart as PNG, replaced atomically with the umask's permissions (stale temporaries cleaned). */
    private static void save(XYChart c, Path file) {
        byte[] png;
        try {
            png = BitmapEncoder.getBitmapBytes(c, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot draw chart " + file + ": " + ex.getMessage(), ex);
        }
        AtomicFiles.writeFile(file, png);
    }
}
