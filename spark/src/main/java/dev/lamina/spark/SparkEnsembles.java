package dev.lamina.spark;

import dev.lamina.models.FitOptions;
import dev.lamina.models.History;
import dev.lamina.models.Model;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Ensemble members trained on Spark executors: member k is built by the builder with the global
 * generator seeded with {@code seeds[k]} and fitted with {@code seeds[k]} as its shuffle seed, on
 * an executor; its weights come back and the driver rebuilds the member around them. The members
 * are bitwise those of the same loop run in one process (same backend, same kind of machine):
 * seed, build, fit. Combine their predictions with {@link dev.lamina.ensemble.Ensembles}.
 *
 * <pre>{@code
 * List<Model> members = SparkEnsembles.fit(sc, new MyMember(), x, y, new SparkEnsembles.Fit(20, 32), seeds);
 * Tensor mean = Ensembles.average(members.stream().map(m -> m.predict(xTest)).toList());
 * }</pre>
 */
public final class SparkEnsembles {
    private SparkEnsembles() {
    }

    /** Builds one compiled member; a named class, so that executors can run it. */
    @FunctionalInterface
    public interface MemberBuilder extends Serializable {
        /**
         * Builds and compiles a member (its weights are drawn from the global generator, seeded by the caller).
         *
         * @return the member
         */
        Model build();
    }

    /**
     * A member's fit: epochs and batch size (shuffled, seeded with the member's seed).
     *
     * @param epochs epochs (at least 1)
     * @param batchSize batch size (at least 1)
     */
    public record Fit(int epochs, int batchSize) implements Serializable {
        /** Checks the values. */
        public Fit {
            if (epochs < 1 || batchSize < 1) {
                throw new IllegalArgumentException("spark ensembles: epochs and batch size must be at least 1, got " + epochs
                        + " and " + batchSize);
            }
        }
    }

    /**
     * What an executor sends back for one member.
     *
     * @param seed the member's seed
     * @param weights its weights, in {@link Model#getWeights()} order
     * @param shapes their shapes
     * @param history its per-epoch logs
     */
    public record Member(long seed, float[][] weights, long[][] shapes, Map<String, List<Double>> history) implements Serializable {
    }

    /** Float32 training data as the executors receive it (one broadcast). */
    private record Data(float[] x, long[] xShape, float[] y, long[] yShape) implements Serializable {
        Tensor xTensor() {
            return Tensor.of(x, xShape);
        }

        Tensor yTensor() {
            return Tensor.of(y, yShape);
        }

        Tensor firstX() {
            long[] s = xShape.clone();
            s[0] = 1;
            return Tensor.of(Arrays.copyOf(x, (int) (x.length / xShape[0])), s);
        }
    }

    /**
     * Trains one member per seed on the executors (one Spark task each) and returns them rebuilt
     * on the driver, in the seeds' order; the caller closes them.
     *
     * @param sc the Spark context
     * @param builder builds a compiled member
     * @param x inputs (float32, samples first)
     * @param y targets (float32, samples first)
     * @param fit epochs and batch size
     * @param seeds one seed per member (at least one)
     * @return the trained members
     */
    public static List<Model> fit(JavaSparkContext sc, MemberBuilder builder, Tensor x, Tensor y, Fit fit, long... seeds) {
        return rebuild(builder, data(x, y), train(sc, builder, x, y, fit, seeds));
    }

    /**
     * Trains the members on the executors and returns their weights and histories, without
     * rebuilding them on the driver.
     *
     * @param sc the Spark context
     * @param builder builds a compiled member
     * @param x inputs (float32, samples first)
     * @param y targets (float32, samples first)
     * @param fit epochs and batch size
     * @param seeds one seed per member (at least one)
     * @return one result per seed, in order
     */
    public static List<Member> train(JavaSparkContext sc, MemberBuilder builder, Tensor x, Tensor y, Fit fit, long... seeds) {
        if (sc == null || builder == null || x == null || y == null || fit == null || seeds == null || seeds.length == 0) {
            throw new IllegalArgumentException("spark ensembles: a context, a builder, x, y, the fit and at least one seed are needed");
        }
        Broadcast<Data> data = sc.broadcast(data(x, y));
        List<Long> list = new ArrayList<>();
        for (long s : seeds) {
            list.add(s);
        }
        try {
            return sc.parallelize(list, list.size()).map(seed -> trainMember(builder, data.value(), fit, seed)).collect();
        } finally {
            data.destroy();
        }
    }

    private static Data data(Tensor x, Tensor y) {
        if (x.shape().length == 0 || y.shape().length == 0 || x.shape()[0] != y.shape()[0]) {
            throw new IllegalArgumentException("spark ensembles: x and y need the same number of samples, got shapes "
                    + Arrays.toString(x.shape()) + " and " + Arrays.toString(y.shape()));
        }
        return new Data(x.toFloatArray(), x.shape(), y.toFloatArray(), y.shape());
    }

    /** Seeds the global generator, builds the member (its layers on one sample, under the generator's lock) and fits it. */
    private static Model build(MemberBuilder builder, Data data, long seed) {
        synchronized (Rng.class) {
            Rng.setGlobalSeed(seed);
            Model m = builder.build();
            if (m == null) {
                throw new IllegalArgumentException("spark ensembles: the builder returned null");
            }
            try (Scope s = Scope.open()) {
                m.call(data.firstX(), false);
            }
            return m;
        }
    }

    private static Member trainMember(MemberBuilder builder, Data data, Fit fit, long seed) {
        try (Scope scope = Scope.open(); Model m = build(builder, data, seed)) {
            History h = m.fit(data.xTensor(), data.yTensor(), new FitOptions().epochs(fit.epochs()).batchSize(fit.batchSize())
                    .shuffle(true).verbose(0).seed(seed));
            List<Tensor> w = m.getWeights();
            float[][] values = new float[w.size()][];
            long[][] shapes = new long[w.size()][];
            for (int i = 0; i < w.size(); i++) {
                values[i] = w.get(i).toFloatArray();
                shapes[i] = w.get(i).shape();
            }
            Map<String, List<Double>> history = new LinkedHashMap<>();
            for (Map.Entry<String, List<Double>> e : h.history().entrySet()) {
                history.put(e.getKey(), new ArrayList<>(e.getValue()));
            }
            return new Member(seed, values, shapes, history);
        }
    }

    private static List<Model> rebuild(MemberBuilder builder, Data data, List<Member> members) {
        List<Model> out = new ArrayList<>();
        try {
            for (Member r : members) {
                Model m = build(builder, data, r.seed());
                out.add(m);
                try (Scope s = Scope.open()) {
                    List<Tensor> w = new ArrayList<>();
                    for (int i = 0; i < r.weights().length; i++) {
                        w.add(Tensor.of(r.weights()[i], r.shapes()[i]));
                    }
                    m.setWeights(w);
                }
            }
        } catch (RuntimeException e) {
            out.forEach(Model::close);
            throw e;
        }
        return out;
    }
}
