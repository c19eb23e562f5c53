package dev.lamina.examples;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code misclassified.png} of {@link DigitsCnn}. Kept apart from it because it uses AWT:
 * DigitsCnn must load (and verify) on a Java runtime without {@code java.desktop}, where it skips
 * the image ({@link dev.lamina.plot.DesktopModule}).
 */
final class MisclassifiedDigitsPng {
    private MisclassifiedDigitsPng() {
    }

    /** A PNG of up to 16 digits (8× enlarged, gray on black) captioned "true→predicted". */
    static void write(Path png, float[][] pixels, int[] truth, int[] predicted, List<Integer> wrong) {
        System.setProperty("java.awt.headless", "true");
        int scale = 8;
        int tile = 8 * scale;
        int caption = 16;
        int count = Math.min(16, wrong.size());
        int cols = Math.max(1, Math.min(8, count));
        int rows = Math.max(1, (count + cols - 1) / cols);
        BufferedImage img = new BufferedImage(cols * (tile + 4) + 4, rows * (tile + caption + 4) + 4, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.DARK_GRAY);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int k = 0; k < count; k++) {
            int i = wrong.get(k);
            int x0 = 4 + (k % cols) * (tile + 4);
            int y0 = 4 + (k / cols) * (tile + caption + 4);
            for (int r = 0; r < 8; r++) {
                for (int c = 0; c < 8; c++) {
                    int v = Math.round(pixels[i][r * 8 + c] / 16f * 255f);
                    g.setColor(new Color(v, v, v));
                    g.fillRect(x0 + c * scale, y0 + r * scale, scale, scale);
                }
            }
            g.setColor(Color.WHITE);
            g.drawString(truth[i] + "\u2192" + predicted[i], x0 + 2, y0 + tile + caption - 3);
        }
        g.dispose();
        try {
            if (png.getParent() != null) {
                Files.createDirectories(png.getParent());
            }
            if (!javax.imageio.ImageIO.write(img, "png", png.toFile())) {
                throw new IOException("no PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("DigitsCnn: cannot write " + png + ": " + e.getMessage(), e);
        }
    }
}
