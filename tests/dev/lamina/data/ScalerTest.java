package dev.lamina.data;

import dev.lamina.util.Json;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scalers against hand-computed values; tolerance 1e-12 (double arithmetic on small numbers). */
class ScalerTest {
    private static final double TOL = 1e-12;
    // column 2 is constant
    private static final double[][] TRAIN = {{1, 10, 5}, {3, 20, 5}, {5, 40, 5}};
    private static final double[][] TEST = {{2, 25, 7}, {9, 0, 5}};

    private static void assertRows(double[][] expected, double[][] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], TOL, "row " + i);
        }
    }

    @Test
    void minMaxKnownValuesUseTrainStats() {
        MinMaxScaler s = new MinMaxScaler().fit(TRAIN);
        assertArrayEquals(new double[] {1, 10, 5}, s.dataMin());
        assertArrayEquals(new double[] {5, 40, 5}, s.dataMax());
        assertRows(new double[][] {{0, 0, 0}, {0.5, 1.0 / 3, 0}, {1, 1, 0}}, s.transform(TRAIN));
        // test rows use the training min/max: values outside the training range leave [0, 1]
        // constant column: scale 1, so x -> x - 5
        assertRows(new double[][] {{0.25, 0.5, 2}, {2.0, -1.0 / 3, 0}}, s.transform(TEST));
        assertRows(TEST, s.inverseTransform(s.transform(TEST)));
    }

    @Test
    void minMaxFeatureRange() {
        MinMaxScaler s = new MinMaxScaler(-1, 1).fit(TRAIN);
        // constant column: the range is taken as 1 (scikit-learn), so 7 -> -1 + (7 - 5)·2 = 3
        assertRows(new double[][] {{-0.5, 0, 3}}, s.transform(new double[][] {{2, 25, 7}}));
        assertRows(new double[][] {{-1, -1, -1}}, s.transform(new double[][] {{1, 10, 5}}));
        assertThrows(IllegalArgumentException.class, () -> new MinMaxScaler(1, 1));
    }

    @Test
    void standardKnownValuesUseTrainStats() {
        StandardScaler s = new StandardScaler().fit(TRAIN);
        double sd0 = Math.sqrt(8.0 / 3);                 // population std of 1, 3, 5
        double mu1 = 70.0 / 3;
        double sd1 = Math.sqrt((Math.pow(10 - mu1, 2) + Math.pow(20 - mu1, 2) + Math.pow(40 - mu1, 2)) / 3);
        assertArrayEquals(new double[] {3, mu1, 5}, s.mean(), TOL);
        assertArrayEquals(new double[] {sd0, sd1, 0}, s.std(), TOL);
        assertRows(new double[][] {{-1 / sd0, (25 - mu1) / sd1, 2}, {6 / sd0, -mu1 / sd1, 0}}, s.transform(TEST));
        assertRows(TEST, s.inverseTransform(s.transform(TEST)));
        // transformed training data has mean 0 and (non-constant columns) std 1
        double[][] z = s.transform(TRAIN);
        for (int j = 0; j < 2; j++) {
            double m = (z[0][j] + z[1][j] + z[2][j]) / 3;
            double v = (z[0][j] * z[0][j] + z[1][j] * z[1][j] + z[2][j] * z[2][j]) / 3 - m * m;
            assertEquals(0, m, TOL);
            assertEquals(1, v, TOL);
        }
    }

    @Test
    void singleColumnConvenience() {
        double[] train = {2, 4, 6, 8};
        Scaler s = new MinMaxScaler().fit(train);
        assertArrayEquals(new double[] {0, 1.0 / 3, 2.0 / 3, 1}, s.transform(train), TOL);
        assertArrayEquals(new double[] {1.5}, s.transform(new double[] {11}), TOL);
        assertArrayEquals(new double[] {11}, s.inverseTransform(new double[] {1.5}), TOL);
        // a multi-column scaler refuses the single-column overload but serves one column
        MinMaxScaler m = new MinMaxScaler().fit(TRAIN);
        assertThrows(IllegalArgumentException.class, () -> m.transform(new double[] {1}));
        assertArrayEquals(new double[] {25}, m.inverseTransformColumn(m.transformColumn(new double[] {25}, 1), 1), TOL);
        assertArrayEquals(new double[] {0.5}, m.transformColumn(new double[] {25}, 1), TOL);
    }

    @Test
    void nanPassesThroughTransform() {
        StandardScaler s = new StandardScaler().fit(TRAIN);
        double[][] z = s.transform(new double[][] {{Double.NaN, 10, 5}});
        assertTrue(Double.isNaN(z[0][0]));
    }

    @Test
    void rejectsNaNInFitAndBadShapes() {
        double[][] bad = {{1, 2}, {Double.NaN, 3}};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StandardScaler().fit(bad));
        assertTrue(e.getMessage().contains("StandardScaler.fit") && e.getMessage().contains("row 1, column 0"), e.getMessage());
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> new MinMaxScaler().fit(bad));
        assertTrue(e2.getMessage().contains("NaN"), e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MinMaxScaler().fit(new double[][] {{1, 2}, {3}}));
        assertThrows(IllegalArgumentException.class, () -> new MinMaxScaler().fit(new double[0][]));
        assertThrows(IllegalStateException.class, () -> new MinMaxScaler().transform(TRAIN));
        MinMaxScaler s = new MinMaxScaler().fit(TRAIN);
        IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class, () -> s.transform(new double[][] {{1, 2}}));
        assertTrue(e3.getMessage().contains("2 columns") && e3.getMessage().contains("3"), e3.getMessage());
    }

    @Test
    void configRoundTripThroughJson() {
        MinMaxScaler mm = new MinMaxScaler(-1, 2).fit(TRAIN);
        StandardScaler st = new StandardScaler().fit(TRAIN);
        for (Scaler s : new Scaler[] {mm, st}) {
            String json = Json.write(s.toConfig());
            Map<String, Object> back = Json.parseObject(json);
            Scaler r = Scaler.fromConfig(back);
            assertEquals(s.getClass(), r.getClass());
            assertRows(s.transform(TEST), r.transform(TEST));
            assertRows(s.inverseTransform(TEST), r.inverseTransform(TEST));
        }
        assertInstanceOf(MinMaxScaler.class, MinMaxScaler.fromConfig(mm.toConfig()));
        assertArrayEquals(new double[] {-1, 2}, MinMaxScaler.fromConfig(mm.toConfig()).featureRange());
        assertThrows(IllegalArgumentException.class, () -> Scaler.fromConfig(Map.of("class", "RobustScaler")));
        assertThrows(IllegalArgumentException.class, () -> MinMaxScaler.fromConfig(st.toConfig()));
        assertThrows(IllegalArgumentException.class,
                () -> StandardScaler.fromConfig(Map.of("class", "StandardScaler", "mean", java.util.List.of(1.0))));
    }
}
