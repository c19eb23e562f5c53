package dev.lamina.tuner;

import dev.lamina.tensor.Rng;
import org.apache.commons.math3.exception.MathIllegalStateException;
import org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException;
import org.apache.commons.math3.linear.NonSymmetricMatrixException;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.DecompositionSolver;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;
import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.PointValuePair;
import org.apache.commons.math3.optim.SimpleBounds;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.BOBYQAOptimizer;

/**
 * Gaussian-process regression with a Matérn 5/2 kernel over the unit cube, for Bayesian
 * optimisation. The targets are standardised (zero mean, unit variance); the kernel is
 *
 * <pre>
 *   k(x, x') = σ² (1 + √5 r + 5r²/3) exp(−√5 r),   r² = Σ_j ((x_j − x'_j) / ℓ_j)²
 * </pre>
 *
 * with one length scale per dimension (ℓ_j in [0.01, 10]) and a signal variance σ² in [0.05, 20],
 * chosen by maximising the log marginal likelihood
 * −½ yᵀ(K + αI)⁻¹y − ½ log|K + αI| − (n/2) log 2π (BOBYQA from Apache Commons Math, a few
 * starts, a few hundred evaluations); α is the noise added to the diagonal (KerasTuner's alpha, 1e-4). The Cholesky
 * factorisation and the solves are Commons Math's.
 */
final class GaussianProcess {
    private static final double LOG_L_MIN = Math.log(0.01);
    private static final double LOG_L_MAX = Math.log(10.0);
    private static final double LOG_S_MIN = Math.log(0.05);
    private static final double LOG_S_MAX = Math.log(20.0);

    private final double alpha;
    private double[][] x;
    private double yMean;
    private double yStd;
    private double[] theta;              // log σ², log ℓ_1..d
    private DecompositionSolver solver;
    private RealVector weights;          // (K + αI)⁻¹ y (standardised y)

    GaussianProcess(double alpha) {
        if (!(alpha > 0)) {
            throw new IllegalArgumentException("Gaussian process: alpha must be positive, got " + alpha);
        }
        this.alpha = alpha;
    }

    /** Fits the kernel's hyperparameters by marginal likelihood (starts drawn from {@code rng}), then conditions on the data. */
    void fit(double[][] x, double[] y, Rng rng) {
        setData(x, y);
        int d = x[0].length;
        double[] lo = new double[d + 1];
        double[] hi = new double[d + 1];
        lo[0] = LOG_S_MIN;
        hi[0] = LOG_S_MAX;
        for (int j = 1; j <= d; j++) {
            lo[j] = LOG_L_MIN;
            hi[j] = LOG_L_MAX;
        }
        double[] best = new double[d + 1];
        for (int j = 1; j <= d; j++) {
            best[j] = Math.log(0.5);
        }
        double bestValue = negLogLikelihood(best);
        int starts = 2;
        for (int s = 0; s < starts; s++) {
            double[] start = new double[d + 1];
            if (s == 0) {
                start = best.clone();
            } else {
                for (int j = 0; j <= d; j++) {
                    start[j] = lo[j] + rng.nextDouble() * (hi[j] - lo[j]);
                }
            }
            try {
                BOBYQAOptimizer opt = new BOBYQAOptimizer(2 * (d + 1) + 1, 0.5, 1e-3);
                PointValuePair p = opt.optimize(new MaxEval(150 + 50 * d), new ObjectiveFunction(this::negLogLikelihood),
                        GoalType.MINIMIZE, new InitialGuess(start), new SimpleBounds(lo, hi));
                if (p.getValue() < bestValue) {
                    bestValue = p.getValue();
                    best = p.getPoint();
                }
            } catch (MathIllegalStateException e) {
                // too many evaluations: keep the best start found so far
            }
        }
        condition(best);
    }

    /** Conditions on the data with fixed kernel hyperparameters (those of the last fit). */
    void refit(double[][] x, double[] y) {
        if (theta == null) {
            throw new IllegalStateException("Gaussian process: refit before fit");
        }
        setData(x, y);
        condition(theta);
    }

    private void setData(double[][] x, double[] y) {
        if (x.length == 0 || x.length != y.length) {
            throw new IllegalArgumentException("Gaussian process: " + x.length + " points and " + y.length + " targets");
        }
        this.x = x;
        double m = 0;
        for (double v : y) {
            m += v;
        }
        m /= y.length;
        double s = 0;
        for (double v : y) {
            s += (v - m) * (v - m);
        }
        s = Math.sqrt(s / y.length);
        this.yMean = m;
        this.yStd = s > 0 ? s : 1.0;
        double[] ys = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            ys[i] = (y[i] - m) / yStd;
        }
        this.ys = ys;
    }

    private double[] ys;

    private void condition(double[] th) {
        CholeskyDecomposition c = cholesky(th);
        if (c == null) {
            throw new IllegalStateException("Gaussian process: the kernel matrix is not positive definite");
        }
        theta = th.clone();
        solver = c.getSolver();
        weights = solver.solve(new ArrayRealVector(ys, false));
    }

    private CholeskyDecomposition cholesky(double[] th) {
        int n = x.length;
        RealMatrix k = new Array2DRowRealMatrix(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double v = kernel(th, x[i], x[j]);
                k.setEntry(i, j, v);
                k.setEntry(j, i, v);
            }
            k.addToEntry(i, i, alpha);
        }
        try {
            return new CholeskyDecomposition(k, 1e-10, 1e-14);
        } catch (NonPositiveDefiniteMatrixException | NonSymmetricMatrixException e) {
            return null;
        }
    }

    /** −log p(y | X, θ) for the standardised targets. */
    private double negLogLikelihood(double[] th) {
        CholeskyDecomposition c = cholesky(th);
        if (c == null) {
            return 1e10;
        }
        RealVector a = c.getSolver().solve(new ArrayRealVector(ys, false));
        double fit = 0;
        for (int i = 0; i < ys.length; i++) {
            fit += ys[i] * a.getEntry(i);
        }
        RealMatrix l = c.getL();
        double logDet = 0;
        for (int i = 0; i < ys.length; i++) {
            logDet += 2 * Math.log(l.getEntry(i, i));
        }
        return 0.5 * fit + 0.5 * logDet + 0.5 * ys.length * Math.log(2 * Math.PI);
    }

    private static double kernel(double[] th, double[] a, double[] b) {
        double r2 = 0;
        for (int j = 0; j < a.length; j++) {
            double d = (a[j] - b[j]) / Math.exp(th[j + 1]);
            r2 += d * d;
        }
        double r = Math.sqrt(5 * r2);
        return Math.exp(th[0]) * (1 + r + r * r / 3) * Math.exp(-r);
    }

    /** Predictive mean and standard deviation at {@code p}, in the targets' units. */
    double[] predict(double[] p) {
        int n = x.length;
        double[] ks = new double[n];
        for (int i = 0; i < n; i++) {
            ks[i] = kernel(theta, p, x[i]);
        }
        RealVector kv = new ArrayRealVector(ks, false);
        double mean = kv.dotProduct(weights);
        double var = Math.exp(theta[0]) - kv.dotProduct(solver.solve(kv));
        double sd = Math.sqrt(Math.max(var, 0));
        return new double[] {yMean + yStd * mean, yStd * sd};
    }

    /** The fitted kernel hyperparameters: σ², then ℓ per dimension. */
    double[] kernelParameters() {
        double[] out = new double[theta.length];
        for (int i = 0; i < theta.length; i++) {
            out[i] = Math.exp(theta[i]);
        }
        return out;
    }
}
