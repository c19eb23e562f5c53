package dev.lamina.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Classification metrics against hand-computed values, streaming against one-shot, AUC against brute force. */
class ClassificationMetricsTest {
    // 8 binary samples: thresholded predictions 1,1,0,0,1,0,1,0 against targets 1,0,0,1,1,0,1,1
    static final double[] T = {1, 0, 0, 1, 1, 0, 1, 1};
    static final double[] P = {0.9, 0.6, 0.2, 0.4, 0.51, 0.5, 0.7, 0.1};
    // TP = 3 (0, 4, 6), FP = 1 (1), FN = 2 (3, 7), TN = 2 (2, 5: 0.5 is not > 0.5)

    static long[] s(long... d) {
        return d;
    }

    /** Feeds T/P in batches of the given sizes. */
    static void feed(Metric m, double[] t, double[] p, int... sizes) {
        int off = 0;
        for (int n : sizes) {
            m.update(Arrays.copyOfRange(t, off, off + n), s(n, 1), Arrays.copyOfRange(p, off, off + n), s(n, 1));
            off += n;
        }
        assertEquals(t.length, off);
    }

    @Test
    void binaryAccuracyHandValuesStreamingAndReset() {
        BinaryAccuracy m = new BinaryAccuracy();
        assertEquals("binary_accuracy", m.name());
        assertTrue(Double.isNaN(m.result()), "NaN before any update");
        feed(m, T, P, 3, 1, 4);
        assertEquals(5.0 / 8, m.result(), 0.0); // correct: 0,2,4,5,6
        assertEquals(5.0 / 8, ClassificationMetrics.binaryAccuracy(T, P), 0.0);
        m.reset();
        assertTrue(Double.isNaN(m.result()));
        m.update(new double[] {1, 0}, s(2), new double[] {0.2, 0.8}, s(2));
        assertEquals(0.0, m.result(), 0.0);
        BinaryAccuracy t3 = new BinaryAccuracy("accuracy", 0.3);
        feed(t3, T, P, 8);
        assertEquals("accuracy", t3.name());
        assertEquals(5.0 / 8, t3.result(), 0.0); // positive above 0.3: 0,1,3,4,5,6 -> correct 0,2,3,4,6
        assertEquals(3.0 / 8, ClassificationMetrics.binaryAccuracy(T, P, 0.95), 0.0); // none positive -> correct 1,2,5
    }

    @Test
    void precisionRecallF1() {
        Precision p = new Precision();
        Recall r = new Recall();
        F1Score f = new F1Score();
        for (Metric m : new Metric[] {p, r, f}) {
            assertTrue(Double.isNaN(m.result()));
            feed(m, T, P, 2, 5, 1);
        }
        assertEquals(3, p.truePositives());
        assertEquals(1, p.falsePositives());
        assertEquals(2, p.falseNegatives());
        assertEquals(2, p.trueNegatives());
        assertEquals(3.0 / 4, p.result(), 1e-15);
        assertEquals(3.0 / 5, r.result(), 1e-15);
        double prec = 0.75;
        double rec = 0.6;
        assertEquals(2 * prec * rec / (prec + rec), f.result(), 1e-15);
        assertEquals(p.result(), ClassificationMetrics.precision(T, P), 1e-15);
        assertEquals(r.result(), ClassificationMetrics.recall(T, P), 1e-15);
        assertEquals(f.result(), ClassificationMetrics.f1(T, P), 1e-15);
        // undefined cases are 0: nothing predicted positive, no positive targets
        p.reset();
        r.reset();
        f.reset();
        double[] zeros = {0, 0, 0};
        p.update(new double[] {1, 0, 1}, s(3), zeros, s(3));
        assertEquals(0.0, p.result(), 0.0);
        r.update(zeros, s(3), new double[] {0.9, 0.1, 0.7}, s(3));
        assertEquals(0.0, r.result(), 0.0);
        f.update(zeros, s(3), zeros, s(3));
        assertEquals(0.0, f.result(), 0.0);
        assertEquals(0.0, ClassificationMetrics.f1(zeros, zeros), 0.0);
    }

    @Test
    void categoricalAccuracy() {
        double[] t = {0, 1, 0, /**/ 1, 0, 0, /**/ 0, 0, 1, /**/ 0, 1, 0};
        double[] p = {0.2, 0.7, 0.1, /**/ 0.3, 0.6, 0.1, /**/ 0.1, 0.1, 0.8, /**/ 0.5, 0.5, 0.0};
        // rows: hit, miss, hit, tie -> first index 0 != 1 -> miss
        CategoricalAccuracy m = new CategoricalAccuracy();
        m.update(Arrays.copyOfRange(t, 0, 6), s(2, 3), Arrays.copyOfRange(p, 0, 6), s(2, 3));
        assertEquals(0.5, m.result(), 0.0);
        m.update(Arrays.copyOfRange(t, 6, 12), s(2, 3), Arrays.copyOfRange(p, 6, 12), s(2, 3));
        assertEquals(0.5, m.result(), 0.0);
        double[][] t2 = {{0, 1, 0}, {1, 0, 0}, {0, 0, 1}, {0, 1, 0}};
        double[][] p2 = {{0.2, 0.7, 0.1}, {0.3, 0.6, 0.1}, {0.1, 0.1, 0.8}, {0.5, 0.5, 0.0}};
        assertEquals(0.5, ClassificationMetrics.categoricalAccuracy(t2, p2), 0.0);
        m.reset();
        m.update(new double[] {0, 1}, s(1, 2), new double[] {0.4, 0.6}, s(1, 2));
        assertEquals(1.0, m.result(), 0.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.update(new double[] {0, 1}, s(1, 2), new double[] {0.4, 0.6, 0}, s(1, 3)));
        assertTrue(e.getMessage().contains("categorical_accuracy") && e.getMessage().contains("(1, 2)")
                && e.getMessage().contains("(1, 3)"), e.getMessage());
    }

    @Test
    void sparseCategoricalAccuracy() {
        double[] p = {0.2, 0.7, 0.1, /**/ 0.3, 0.6, 0.1, /**/ 0.1, 0.1, 0.8};
        SparseCategoricalAccuracy m = new SparseCategoricalAccuracy();
        m.update(new double[] {1, 0, 2}, s(3), p, s(3, 3));
        assertEquals(2.0 / 3, m.result(), 1e-15);
        m.update(new double[] {1, 2, 2}, s(3, 1), p, s(3, 3)); // [B, 1] labels: hit, miss, hit
        assertEquals(4.0 / 6, m.result(), 1e-15);
        assertEquals(2.0 / 3, ClassificationMetrics.sparseCategoricalAccuracy(new int[] {1, 0, 2},
                new double[][] {{0.2, 0.7, 0.1}, {0.3, 0.6, 0.1}, {0.1, 0.1, 0.8}}), 1e-15);
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> m.update(new double[] {1, 3, 0}, s(3), p, s(3, 3)));
        assertTrue(bad.getMessage().contains("label 3.0") && bad.getMessage().contains("[0, 3)"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.update(new double[] {1, 0.5, 0}, s(3), p, s(3, 3)));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> m.update(new double[] {1, 0, 2}, s(3, 3), p, s(3, 3)));
        assertTrue(shape.getMessage().contains("(3, 3)"), shape.getMessage());
        m.reset();
        assertTrue(Double.isNaN(m.result()));
    }

    @Test
    void aucHandValueWithTies() {
        // positives {0.8, 0.4}, negatives {0.4, 0.3, 0.9}
        // pairs: 0.8>0.4 1, 0.8>0.3 1, 0.8<0.9 0, 0.4=0.4 1/2, 0.4>0.3 1, 0.4<0.9 0 -> 3.5 / 6
        double[] t = {1, 0, 1, 0, 0};
        double[] p = {0.8, 0.4, 0.4, 0.3, 0.9};
        AUC m = new AUC();
        feed(m, t, p, 2, 3);
        assertEquals(3.5 / 6, m.result(), 1e-15);
        assertNull(m.nanReason());
        assertEquals(3.5 / 6, ClassificationMetrics.auc(t, p), 1e-15);
        // perfect and reversed rankings
        assertEquals(1.0, ClassificationMetrics.auc(new double[] {0, 0, 1, 1}, new double[] {0.1, 0.2, 0.3, 0.4}), 0.0);
        assertEquals(0.0, ClassificationMetrics.auc(new double[] {1, 1, 0, 0}, new double[] {0.1, 0.2, 0.3, 0.4}), 0.0);
        assertEquals(0.5, ClassificationMetrics.auc(new double[] {1, 0, 1, 0}, new double[] {0.5, 0.5, 0.5, 0.5}), 0.0);
    }

    @Test
    void aucMatchesBruteForcePairsOnRandomData() {
        Random rnd = new Random(42);
        for (int trial = 0; trial < 20; trial++) {
            int n = 1 + rnd.nextInt(400);
            double[] t = new double[n];
            double[] p = new double[n];
            for (int i = 0; i < n; i++) {
                t[i] = rnd.nextDouble() < 0.3 ? 1 : 0;
                // coarse scores make many ties; half the trials continuous scores
                p[i] = trial % 2 == 0 ? Math.round(rnd.nextDouble() * 10) / 10.0 : rnd.nextDouble() + 0.3 * t[i];
            }
            double num = 0;
            long np = 0;
            long nn = 0;
            for (int i = 0; i < n; i++) {
                if (t[i] == 1) {
                    np++;
                } else {
                    nn++;
                }
                for (int j = 0; j < n; j++) {
                    if (t[i] == 1 && t[j] == 0) {
                        num += p[i] > p[j] ? 1 : p[i] == p[j] ? 0.5 : 0;
                    }
                }
            }
            AUC m = new AUC();
            int off = 0;
            while (off < n) { // random batch sizes
                int b = Math.min(n - off, 1 + rnd.nextInt(50));
                m.update(Arrays.copyOfRange(t, off, off + b), s(b), Arrays.copyOfRange(p, off, off + b), s(b));
                off += b;
            }
            if (np == 0 || nn == 0) {
                assertTrue(Double.isNaN(m.result()));
                assertTrue(m.nanReason().contains("undefined"), m.nanReason());
                continue;
            }
            double brute = num / (np * (double) nn);
            assertEquals(brute, m.result(), 1e-12, "trial " + trial);
            assertEquals(brute, ClassificationMetrics.auc(t, p), 1e-12);
            // result() is repeatable and further updates re-sort
            assertEquals(brute, m.result(), 1e-12);
        }
    }

    @Test
    void aucUndefinedAndReset() {
        AUC m = new AUC();
        assertTrue(Double.isNaN(m.result()));
        assertTrue(m.nanReason().contains("no values"));
        m.update(new double[] {1, 1}, s(2), new double[] {0.2, 0.9}, s(2));
        assertTrue(Double.isNaN(m.result()));
        assertTrue(m.nanReason().contains("without negative"), m.nanReason());
        m.update(new double[] {0}, s(1), new double[] {0.5}, s(1));
        assertEquals(0.5, m.result(), 0.0);
        m.reset();
        assertEquals(0, m.positives() + m.negatives());
        m.update(new double[] {0, 1}, s(2), new double[] {0.1, 0.2}, s(2));
        assertEquals(1.0, m.result(), 0.0);
        assertThrows(IllegalArgumentException.class, () -> m.update(new double[] {0}, s(1), new double[] {Double.NaN}, s(1)));
    }

    @Test
    void badInputNamesMetricAndShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Precision().update(new double[] {1, 0}, s(2), new double[] {0.1, 0.2, 0.3}, s(3)));
        assertTrue(e.getMessage().startsWith("precision:") && e.getMessage().contains("(2,)")
                && e.getMessage().contains("(3,)"), e.getMessage());
        IllegalArgumentException lab = assertThrows(IllegalArgumentException.class,
                () -> new Recall().update(new double[] {1, 2}, s(2), new double[] {0.1, 0.2}, s(2)));
        assertTrue(lab.getMessage().contains("0 or 1"), lab.getMessage());
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> new BinaryAccuracy().update(new double[] {1, 0}, s(3), new double[] {0.1, 0.2}, s(2)));
        assertTrue(count.getMessage().contains("2 values but shape (3,)"), count.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AUC(""));
    }
}
