package dev.lamina.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.callbacks.CSVLogger;
import dev.lamina.callbacks.Callback;
import dev.lamina.callbacks.EarlyStopping;
import dev.lamina.callbacks.LearningRateScheduler;
import dev.lamina.callbacks.ModelCheckpoint;
import dev.lamina.callbacks.ReduceLROnPlateau;
import dev.lamina.callbacks.TerminateOnNaN;
import dev.lamina.data.Tokenizer;
import dev.lamina.data.Utils;
import dev.lamina.ensemble.AveragingEnsemble;
import dev.lamina.losses.Losses;
import dev.lamina.metrics.AUC;
import dev.lamina.metrics.F1Score;
import dev.lamina.metrics.Precision;
import dev.lamina.metrics.R2Score;
import dev.lamina.metrics.Recall;
import dev.lamina.models.FitOptions;
import dev.lamina.models.History;
import dev.lamina.models.Model;
import dev.lamina.models.Sequential;
import dev.lamina.nn.*;
import dev.lamina.optim.Adam;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the Lamina side of the rows of {@code docs/COMING_FROM_KERAS.md} (those not marked
 * "not yet"), so the page lists only what compiles and works.
 */
class ComingFromKerasTest {
    static Tensor random(long seed, long... shape) {
        Rng r = new Rng(seed);
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextDouble() * 2 - 1;
        }
        return Tensor.of(v, shape).cast(DType.FLOAT32);
    }

    @Test
    void tensorsAndVariables() {
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.scalar(2, DType.INT32);
            Tensor m1 = Tensor.of(new float[][] {{1, 2}});
            Tensor z = Tensor.zeros(DType.FLOAT32, 2, 3);
            Tensor o = Tensor.ones(DType.FLOAT32, 2, 3);
            assertEquals(5, a.add(Tensor.scalar(3, DType.INT32)).toIntArray()[0]);
            assertArrayEquals(new float[] {1, 4}, m1.mul(m1).toFloatArray());
            assertArrayEquals(new long[] {3, 2}, z.add(o).reshape(3, 2).shape());
            assertEquals(2, z.rank());
            try (Variable v = new Variable(Tensor.scalar(1.0), "v", true)) {
                v.assignAdd(Tensor.scalar(0.5));
                assertEquals(1.5, v.toDoubleArray()[0], 1e-12);
            }
            Variable w = new Variable(Tensor.of(new float[] {3}, 1), "w", true);
            try (GradientTape tape = GradientTape.start()) {
                Tensor loss = w.square().sum();
                Tensor g = tape.gradient(loss, w);
                assertArrayEquals(new float[] {6}, g.toFloatArray());
            }
            w.close();
        }
    }

    @Test
    void modelsLayersAndTraining(@TempDir Path tmp) {
        try (Scope s = Scope.open()) {
            Rng.setGlobalSeed(1);
            Sequential model = new Sequential();
            model.add(new LSTM(8).inputShape(20, 1));
            model.add(new Dense(1));
            model.summary();
            assertTrue(model.countParams() > 0 && !model.layers().isEmpty() && !model.getWeights().isEmpty());
            model.layers().get(1).setTrainable(false);
            model.compile("adam", "mse", "mae");
            Tensor x = random(2, 16, 20, 1);
            Tensor y = random(3, 16, 1);
            History h = model.fit(x, y, new FitOptions().epochs(2).batchSize(8).validationSplit(0.25).shuffle(false).verbose(0)
                    .callbacks(new EarlyStopping().monitor("val_loss").patience(3).restoreBestWeights(true),
                            new ModelCheckpoint(tmp.resolve("best.safetensors").toString()).saveBestOnly(true),
                            new ReduceLROnPlateau().factor(0.5).patience(2),
                            new LearningRateScheduler((epoch, lr) -> lr * 0.9),
                            new CSVLogger(tmp.resolve("log.csv").toString()), new TerminateOnNaN()));
            assertEquals(2, h.history().get("loss").size());
            assertTrue(h.get("val_mae") != null);
            model.compile(new Adam(0.01), Losses.meanSquaredError());
            model.compile(new Adam(0.01), Losses.get("mse"));
            model.fit(x, y, 1, 16);
            Map<String, Double> eval = model.evaluate(x, y);
            assertTrue(eval.containsKey("loss"));
            assertArrayEquals(new long[] {16, 1}, model.predict(x).shape());

            model.save(tmp.resolve("m.safetensors"));
            model.save(tmp.resolve("m"));
            model.saveWeights(tmp.resolve("w.safetensors"));
            try (Sequential back = Model.load(tmp.resolve("m.safetensors"))) {
                back.loadWeights(tmp.resolve("w.safetensors"));
                assertArrayEquals(model.predict(x).toFloatArray(), back.predict(x).toFloatArray());
                AveragingEnsemble ens = new AveragingEnsemble(List.of(model, back));
                assertArrayEquals(model.predict(x).toFloatArray(), ens.predict(x).toFloatArray(), 1e-6f);
            }
            model.close();
        }
    }

    @Test
    void layerRowsBuild() {
        try (Scope s = Scope.open()) {
            List<Layer> image = List.of(
                    new Conv2D(32, 3).padding("same").strides(2).activation("relu"),
                    new Conv2D(64, new int[] {3, 3}).dilationRate(2),
                    new Conv2DTranspose(8, 3).strides(2),
                    new DepthwiseConv2D(3),
                    new MaxPooling2D(2),
                    new MaxPooling2D(2).strides(1).padding("same"),
                    new AveragePooling2D(),
                    new GlobalAveragePooling2D(),
                    new GlobalMaxPooling2D(),
                    new ZeroPadding2D(1),
                    new UpSampling2D(2),
                    new BatchNormalization(),
                    new BatchNormalization().momentum(0.9).epsilon(1e-5).center(false),
                    new DepthwiseConv2D(3).depthMultiplier(2),
                    new ActivationLayer("relu"),
                    new Dropout(0.2).seed(1),
                    new Flatten());
            Tensor img = random(4, 2, 12, 12, 3);
            for (Layer l : image) {
                assertEquals(2, l.apply(img).dim(0), l.toString());
            }
            assertArrayEquals(new long[] {2, 12}, new Reshape(4, 3).apply(random(5, 2, 12)).reshape(2, 12).shape());
            Dense d = new Dense(10).activation("softmax").useBias(false).kernelInitializer("he_normal")
                    .kernelRegularizer(Regularizers.l2(1e-4));
            assertArrayEquals(new long[] {2, 10}, d.apply(random(6, 2, 4)).shape());
            assertEquals("encoder", new Dense("encoder", 8, Activations.RELU).name());

            Tensor seq = random(7, 2, 6, 4);
            List<Layer> sequence = List.of(
                    new Conv1D(16, 5).padding("causal"),
                    new LSTM(50).activation("relu").returnSequences(true),
                    new GRU(64).returnSequences(true).dropout(0.2).recurrentDropout(0.1),
                    new SimpleRNN(32).goBackwards(true).stateful(true),
                    new LSTM(8).unitForgetBias(false).recurrentInitializer("glorot_uniform").seed(3),
                    new Bidirectional(new LSTM(32).returnSequences(true)),
                    new TimeDistributed(new Dense(1)));
            for (Layer l : sequence) {
                assertEquals(2, l.apply(seq, true).dim(0), l.toString());
            }
            Tensor ids = Tensor.of(new int[] {1, 0, 5, 9}, 2, 2);
            assertArrayEquals(new long[] {2, 2, 64}, new Embedding(1000, 64).apply(ids).shape());
            assertArrayEquals(new boolean[] {true, false, true, true},
                    new Embedding(1000, 64).maskZero(true).computeMask(ids, null).toBooleanArray());
        }
    }

    @Test
    void metricsAndDataHelpers() {
        try (Scope s = Scope.open()) {
            for (dev.lamina.metrics.Metric m : List.of(new Precision(), new Recall(), new AUC(), new F1Score(), new R2Score())) {
                assertTrue(m.name() != null);
            }
            Tensor y = Utils.toCategorical(new int[] {1, 0}, 10);
            assertArrayEquals(new long[] {2, 10}, y.shape());
            Tokenizer tokenizer = new Tokenizer(10000).oovToken("<OOV>").lower(true).split(" ").filters("!").charLevel(false);
            tokenizer.fitOnTexts(List.of("a b b", "c"));
            List<int[]> seqs = tokenizer.textsToSequences(List.of("b c d"));
            assertArrayEquals(new int[] {2, 4, 1}, seqs.get(0));
            assertEquals(2, tokenizer.wordIndex().get("b"));
            assertEquals(List.of("b c <OOV>"), tokenizer.sequencesToTexts(seqs));
            assertArrayEquals(new long[] {1, 10000}, tokenizer.textsToMatrix(List.of("b"), "tfidf").shape());
            assertArrayEquals(new int[] {2, 4, 1, 0}, Utils.padSequences(seqs, 4, "post", "pre", 0).toIntArray());
        }
    }
}
