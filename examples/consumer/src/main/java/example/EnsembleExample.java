package example;

import dev.lamina.ensemble.AveragingEnsemble;
import dev.lamina.ensemble.VotingEnsemble;
import dev.lamina.losses.Losses;
import dev.lamina.metrics.RegressionMetrics;
import dev.lamina.models.FitOptions;
import dev.lamina.models.Model;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.optim.Adam;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Workshop snippet 8: ensembles. Three small regressors from different seeds, averaged; the
 * average is no worse than the mean member (MSE is convex). Then hard voting of three classifiers.
 */
public final class EnsembleExample {
    private EnsembleExample() {
    }

    static Sequential member(long seed, String lastActivation) {
        Rng.setGlobalSeed(seed);
        return new Sequential(new Input(2), new Dense(16, "tanh"), new Dense(1, lastActivation));
    }

    public static void main(String[] args) {
        try (Scope scope = Scope.open()) {
            Rng rng = new Rng(8);
            Tensor x = rng.uniform(DType.FLOAT32, -1, 1, 512, 2);
            // y = tanh(2·x0) + x1²
            Tensor y = x.slice(1, 0, 1).mul(2.0).tanh().add(x.slice(1, 1, 2).square());
            Tensor xTest = rng.uniform(DType.FLOAT32, -1, 1, 128, 2);
            double[] yTest = xTest.slice(1, 0, 1).mul(2.0).tanh().add(xTest.slice(1, 1, 2).square()).toDoubleArray();

            List<Model> members = new ArrayList<>();
            double meanMemberMse = 0;
            for (long seed = 1; seed <= 3; seed++) {
                Sequential m = member(seed, null);
                m.compile(new Adam(1e-2), Losses.meanSquaredError());
                m.fit(x, y, new FitOptions().epochs(20).batchSize(32).verbose(0).seed(seed));
                double mse = RegressionMetrics.mse(yTest, m.predict(xTest).toDoubleArray());
                System.out.printf("member %d: test MSE %.5f%n", seed, mse);
                meanMemberMse += mse / 3;
                members.add(m);
            }
            double ensembleMse = RegressionMetrics.mse(yTest, new AveragingEnsemble(members).predict(xTest).toDoubleArray());
            System.out.printf("average of 3: test MSE %.5f (mean member %.5f)%n", ensembleMse, meanMemberMse);
            Check.that(ensembleMse <= meanMemberMse + 1e-9, "the averaged ensemble is no worse than the mean member");
            members.forEach(Model::close);

            // classifiers: is x0 + x1 > 0 ?
            Tensor labels = x.sum(new int[] {1}, true).gt(0.0).cast(DType.FLOAT32);
            List<Model> voters = new ArrayList<>();
            for (long seed = 11; seed <= 13; seed++) {
                Sequential m = member(seed, "sigmoid");
                m.compile(new Adam(1e-2), Losses.binaryCrossentropy(false));
                m.fit(x, labels, new FitOptions().epochs(10).batchSize(32).verbose(0).seed(seed));
                voters.add(m);
            }
            long[] votes = new VotingEnsemble(voters).predict(xTest).toLongArray();
            float[] xt = xTest.toFloatArray();
            int right = 0;
            for (int i = 0; i < votes.length; i++) {
                right += (votes[i] == 1) == (xt[2 * i] + xt[2 * i + 1] > 0) ? 1 : 0;
            }
            System.out.printf("voting of 3: test accuracy %.4f%n", right / (double) votes.length);
            Check.that(right >= 0.9 * votes.length, "the voting ensemble classifies 90 % of the test points");
            voters.forEach(Model::close);
        }
    }
}
