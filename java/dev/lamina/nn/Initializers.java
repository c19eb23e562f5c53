package dev.lamina.nn;

import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Shapes;
import dev.lamina.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The Keras initializers. Fans follow Keras: for a kernel [in, out] fan_in = in, fan_out = out;
 * for a convolution kernel [kh, kw, cin, cout] both are multiplied by kh·kw. A seeded initializer
 * gives the same values on every call; an unseeded one draws a fresh seed from the global
 * generator ({@link Rng#setGlobalSeed}) each call, so whole runs are reproducible.
 */
public final class Initializers {
    private Initializers() {
    }

    /** 0.87962566103423978 is the std of a unit normal truncated to ±2, as Keras corrects for. */
    private static final double TRUNC_STD = 0.87962566103423978;

    private abstract static class Base implements Initializer {
        final String className;
        final Long seed;

        Base(String className, Long seed) {
            this.className = className;
            this.seed = seed;
        }

        Rng rng() {
            return new Rng(seed != null ? seed : Rng.nextGlobalSeed());
        }

        Map<String, Object> args() {
            return new LinkedHashMap<>();
        }

        @Override
        public Map<String, Object> config() {
            Map<String, Object> c = args();
            if (seed != null) {
                c.put("seed", seed);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("class_name", className);
            m.put("config", c);
            return m;
        }
    }

    /** fan_in, fan_out of a weight shape. */
    static double[] fans(long[] shape) {
        if (shape.length == 0) {
            return new double[] {1, 1};
        }
        if (shape.length == 1) {
            return new double[] {shape[0], shape[0]};
        }
        double receptive = 1;
        for (int i = 0; i < shape.length - 2; i++) {
            receptive *= shape[i];
        }
        return new double[] {shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive};
    }

    public static Initializer zeros() {
        return constant(0.0, "Zeros");
    }

    public static Initializer ones() {
        return constant(1.0, "Ones");
    }

    public static Initializer constant(double value) {
        return constant(value, "Constant");
    }

    private static Initializer constant(double value, String name) {
        return new Base(name, null) {
            @Override
            public Tensor initialize(long[] shape, DType dtype) {
                return Tensor.full(dtype, value, shape);
            }

            @Override
            Map<String, Object> args() {
                Map<String, Object> a = super.args();
                if (name.equals("Constant")) {
                    a.put("value", value);
                }
                return a;
            }
        };
    }

    /** N(mean, stddev²); Keras defaults 0 and 0.05. */
    public static Initializer randomNormal(double mean, double stddev, Long seed) {
        return new Base("RandomNormal", seed) {
            @Override
            public Tensor initialize(long[] shape, DType dtype) {
                return rng().normal(dtype, mean, stddev, shape);
            }

            @Override
            Map<String, Object> args() {
                Map<String, Object> a = super.args();
                a.put("mean", mean);
                a.put("stddev", stddev);
                return a;
            }
        };
    }

    /** U[minval, maxval); Keras defaults -0.05 and 0.05. */
    public static Initializer randomUniform(double minval, double maxval, Long seed) {
        return new Base("RandomUniform", seed) {
            @Override
            public Tensor initialize(long[] shape, DType dtype) {
                return rng().uniform(dtype, minval, maxval, shape);
            }

            @Override
            Map<String, Object> args() {
                Map<String, Object> a = super.args();
                a.put("minval", minval);
                a.put("maxval", maxval);
                return a;
            }
        };
    }

    /** N(mean, stddev²) truncated to two standard deviations. */
    public static Initializer truncatedNormal(double mean, double stddev, Long seed) {
        return new Base("TruncatedNormal", seed) {
            @Override
            public Tensor initialize(long[] shape, DType dtype) {
                return rng().truncatedNormal(dtype, mean, stddev, shape);
            }

            @Override
            Map<String, Object> args() {
                Map<String, Object> a = super.args();
                a.put("mean", mean);
                a.put("stddev", stddev);
                return a;
            }
        };
    }

    /** Variance scaling, the family behind glorot, he and lecun (Keras's VarianceScaling). */
    public static Initializer varianceScaling(double scale, String mode, String distribution, Long seed) {
        return varianceScaling("VarianceScaling", scale, mode, distribution, seed);
    }

    private static Initializer varianceScaling(String className, double scale, String mode, String distribution, Long seed) {
        String m = mode.toLowerCase(Locale.ROOT);
        String d = distribution.toLowerCase(Locale.ROOT);
        if (!m.equals("fan_in") && !m.equals("fan_out") && !m.equals("fan_avg")) {
            throw new IllegalArgumentException("VarianceScaling: mode must be fan_in, fan_out or fan_avg, got " + mode);
        }
        if (!d.equals("truncated_normal") && !d.equals("untruncated_normal") && !d.equals("uniform")) {
            throw new IllegalArgumentException("VarianceScaling: distribution must be truncated_normal, untruncated_normal or uniform, got "
                    + distribution);
        }
        return new Base(className, seed) {
            @Override
            public Tensor initialize(long[] shape, DType dtype) {
                double[] f = fans(shape);
                double n = m.equals("fan_in") ? f[0] : m.equals("fan_out") ? f[1] : (f[0] + f[1]) / 2;
                double s = scale / Math.max(1.0, n);
                switch (d) {
                    case "truncated_normal":
                        return rng().truncatedNormal(dtype, 0, Math.sqrt(s) / TRUNC_STD, shape);
                    case "untruncated_normal":
                        return rng().normal(dtype, 0, Math.sqrt(s), shape);
                    default:
                        double limit = Math.sqrt(3 * s);
                        return rng().uniform(dtype, -limit, limit, shape);
                }
            }

            @Override
            Map<String, Object> args() {
                Map<String, Object> a = super.args();
                if (className.equals("VarianceScaling")) {
                    a.put("scale", scale);
                    a.put("mode", m);
                    a.put("distribution", d);
                }
                return a;
            }
        };
    }

    /** U[-l, l] with l = √(6 / (fan_in + fan_out)): the Keras default for kernels. */
    public static Initializer glorotUniform(Long seed) {
        return varianceScaling("GlorotUniform", 1.0, "fan_avg", "uniform", seed);
    }

    public static Initializer glorotUniform() {
        return glorotUniform(null);
    }

    /** Truncated normal with std √(2 / (fan_in + fan_out)). */
    public static Initializer glorotNormal(Long seed) {
        return varianceScaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal", seed);
    }

    /** Truncated normal with std √(2 / fan_in). */
    public static Initializer heNormal(Long seed) {
        return varianceScaling("HeNormal", 2.0, "fan_in", "truncated_normal", seed);
    }

    /** U[-l, l] with l = √(6 / fan_in). */
    public static Initializer heUniform(Long seed) {
        return varianceScaling("HeUniform", 2.0, "fan_in", "uniform", seed);
    }

    /** Truncated normal with std √(1 / fan_in). */
    public static Initializer lecunNormal(Long seed) {
        return varianceScaling("LecunNormal", 1.0, "fan_in", "truncated_normal", seed);
    }

    /** U[-l, l] with l = √(3 / fan_in). */
    public static Initializer lecunUniform(Long seed) {
        return varianceScaling("LecunUniform", 1.0, "fan_in", "uniform", seed);
    }

    /**
     * A (semi-)orthogonal matrix times {@code gain}, as Keras: the QR factor of a normal matrix of
     * shape (Π shape[:-1], shape[-1]) with the signs of R's diagonal folded in. The default for
     * recurrent kernels.
     */
    public static Initializer orthogonal(double gain, Long seed) {
        return new Base("Orthogonal", seed) {
            @Override
            public Tensor initialize(long[] shape, DType dtype) {
                if (shape.length < 2) {
                    throw new IllegalArgumentException("Orthogonal: needs a shape of rank >= 2, got " + Shapes.str(shape));
                }
                long cols = shape[shape.length - 1];
                long rows = Shapes.numel(shape) / Math.max(1, cols);
                boolean flip = rows < cols;
                int r = (int) (flip ? cols : rows);
                int c = (int) (flip ? rows : cols);
                Rng g = rng();
                double[][] a = new double[c][r]; // column-major: a[j] is column j
                for (int i = 0; i < r; i++) {
                    for (int j = 0; j < c; j++) {
                        a[j][i] = g.nextGaussian();
                    }
                }
                // modified Gram-Schmidt: columns become orthonormal; R's diagonal is positive, so no sign fix is needed
                for (int j = 0; j < c; j++) {
                    for (int k = 0; k < j; k++) {
                        double dot = 0;
                        for (int i = 0; i < r; i++) {
                            dot += a[k][i] * a[j][i];
                        }
                        for (int i = 0; i < r; i++) {
                            a[j][i] -= dot * a[k][i];
                        }
                    }
                    double norm = 0;
                    for (int i = 0; i < r; i++) {
                        norm += a[j][i] * a[j][i];
                    }
                    norm = Math.sqrt(norm);
                    for (int i = 0; i < r; i++) {
                        a[j][i] /= norm;
                    }
                }
                double[] out = new double[(int) (rows * cols)];
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) {
                        out[(int) (i * cols + j)] = gain * (flip ? a[i][j] : a[j][i]);
                    }
                }
                Tensor t = Tensor.of(out, shape);
                Tensor res = t.cast(dtype);
                t.close();
                return res;
            }

            @Override
            Map<String, Object> args() {
                Map<String, Object> a = super.args();
                a.put("gain", gain);
                return a;
            }
        };
    }

    /** An initializer by Keras name with default arguments. */
    public static Initializer get(String name) {
        if (name == null) {
            throw new IllegalArgumentException("initializer name is null (expected " + KNOWN + ")");
        }
        switch (name.toLowerCase(Locale.ROOT)) {
            case "zeros":
                return zeros();
            case "ones":
                return ones();
            case "random_normal":
            case "normal":
                return randomNormal(0, 0.05, null);
            case "random_uniform":
            case "uniform":
                return randomUniform(-0.05, 0.05, null);
            case "truncated_normal":
                return truncatedNormal(0, 0.05, null);
            case "glorot_uniform":
                return glorotUniform(null);
            case "glorot_normal":
                return glorotNormal(null);
            case "he_normal":
                return heNormal(null);
            case "he_uniform":
                return heUniform(null);
            case "lecun_normal":
                return lecunNormal(null);
            case "lecun_uniform":
                return lecunUniform(null);
            case "orthogonal":
                return orthogonal(1.0, null);
            default:
                throw new IllegalArgumentException("unknown initializer '" + name + "' (expected " + KNOWN + ")");
        }
    }

    private static final String KNOWN = "zeros, ones, random_normal (normal), random_uniform (uniform), truncated_normal, "
            + "glorot_uniform, glorot_normal, he_normal, he_uniform, lecun_normal, lecun_uniform or orthogonal";

    /** Rebuilds an initializer from its {@link Initializer#config()}. */
    public static Initializer fromConfig(Map<String, Object> cfg) {
        String cls = (String) cfg.get("class_name");
        @SuppressWarnings("unchecked")
        Map<String, Object> c = (Map<String, Object>) cfg.getOrDefault("config", Map.of());
        Long seed = c.get("seed") == null ? null : ((Number) c.get("seed")).longValue();
        switch (cls) {
            case "Zeros":
                return zeros();
            case "Ones":
                return ones();
            case "Constant":
                return constant(num(c, "value"));
            case "RandomNormal":
                return randomNormal(num(c, "mean"), num(c, "stddev"), seed);
            case "RandomUniform":
                return randomUniform(num(c, "minval"), num(c, "maxval"), seed);
            case "TruncatedNormal":
                return truncatedNormal(num(c, "mean"), num(c, "stddev"), seed);
            case "VarianceScaling":
                return varianceScaling(num(c, "scale"), (String) c.get("mode"), (String) c.get("distribution"), seed);
            case "GlorotUniform":
                return glorotUniform(seed);
            case "GlorotNormal":
                return glorotNormal(seed);
            case "HeNormal":
                return heNormal(seed);
            case "HeUniform":
                return heUniform(seed);
            case "LecunNormal":
                return lecunNormal(seed);
            case "LecunUniform":
                return lecunUniform(seed);
            case "Orthogonal":
                return orthogonal(num(c, "gain"), seed);
            default:
                throw new IllegalArgumentException("unknown initializer class '" + cls + "'");
        }
    }

    private static double num(Map<String, Object> c, String key) {
        Object v = c.get(key);
        if (!(v instanceof Number)) {
            throw new IllegalArgumentException("initializer config lacks number '" + key + "': " + c);
        }
        return ((Number) v).doubleValue();
    }
}
