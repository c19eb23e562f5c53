package dev.lamina.tuner;

import dev.lamina.tensor.Rng;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.exception.MathIllegalStateException;
import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.PointValuePair;
import org.apache.commons.math3.optim.SimpleBounds;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.BOBYQAOptimizer;
import org.apache.commons.math3.optim.univariate.BrentOptimizer;
import org.apache.commons.math3.optim.univariate.SearchInterval;
import org.apache.commons.math3.optim.univariate.UnivariateObjectiveFunction;
import org.apache.commons.math3.optim.univariate.UnivariatePointValuePair;

/**
 * Bayesian optimisation with a Gaussian process, after KerasTuner's {@code BayesianOptimizationOracle}:
 *
 * <ul>
 *   <li>each non-fixed parameter is one coordinate of the unit cube (its cumulative probability;
 *       an inactive parameter sits at its default's coordinate), the score is framed as a
 *       minimisation (negated when maximising);</li>
 *   <li>the first {@code numInitialPoints} trials (default 3 × the number of dimensions, as
 *       KerasTuner) are random;</li>
 *   <li>then a {@link GaussianProcess} (Matérn 5/2, alpha 1e-4 on the diagonal, standardised
 *       scores) is fitted to the completed trials and the next point maximises the acquisition
 *       over the cube: 1,000 random candidates, the best 5 refined by BOBYQA (Brent in one
 *       dimension). A proposal that rounds to an already tried point is replaced by a random one.</li>
 * </ul>
 *
 * Differences from KerasTuner, on purpose: the kernel's length scales and variance are fitted by
 * marginal likelihood (KerasTuner keeps them at 1); the default acquisition is expected
 * improvement, EI(x) = (f* − μ)Φ(z) + σφ(z) with z = (f* − μ)/σ and f* the best score so far
 * (KerasTuner's lower confidence bound μ − βσ, β = 2.6, is {@code acquisition("ucb")}); and
 * proposals come in batches of {@code batchSize} (default 1) that read only the trials of earlier
 * batches, the batch's earlier proposals entering the fit as pessimistic hallucinations
 * (μ + σ, as KerasTuner treats running trials), so that results do not depend on which parallel
 * trial finished first.
 */
public final class BayesianOptimizationOracle extends Oracle {
    private static final NormalDistribution STD_NORMAL = new NormalDistribution(null, 0, 1);
    private static final int CANDIDATES = 1000;
    private static final int REFINED = 5;

    private Integer numInitialPoints;
    private int batchSize = 1;
    private double alpha = 1e-4;
    private double beta = 2.6;
    private String acquisition = "ei";

    public BayesianOptimizationOracle(Objective objective, int maxTrials, long seed) {
        super(objective, maxTrials, seed);
    }

    /** Random trials before the Gaussian process takes over (default 3 × dimensions). */
    public BayesianOptimizationOracle numInitialPoints(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("Bayesian optimisation: num_initial_points must be at least 1, got " + n);
        }
        this.numInitialPoints = n;
        return this;
    }

    /** Proposals made from one fit (the parallelism that keeps results deterministic); default 1. */
    public BayesianOptimizationOracle batchSize(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("Bayesian optimisation: batch size must be at least 1, got " + n);
        }
        this.batchSize = n;
        return this;
    }

    /** Noise added to the kernel matrix's diagonal (KerasTuner's alpha, default 1e-4). */
    public BayesianOptimizationOracle alpha(double alpha) {
        if (!(alpha > 0)) {
            throw new IllegalArgumentException("Bayesian optimisation: alpha must be positive, got " + alpha);
        }
        this.alpha = alpha;
        return this;
    }

    /** "ei" (expected improvement, the default) or "ucb" (KerasTuner's μ − βσ, minimised). */
    public BayesianOptimizationOracle acquisition(String name) {
        if (!"ei".equals(name) && !"ucb".equals(name)) {
            throw new IllegalArgumentException("Bayesian optimisation: acquisition must be ei or ucb, got '" + name + "'");
        }
        this.acquisition = name;
        return this;
    }

    /** Exploration weight of the ucb acquisition (default 2.6, KerasTuner's). */
    public BayesianOptimizationOracle beta(double beta) {
        this.beta = beta;
        return this;
    }

    @Override
    public String name() {
        return "bayesian";
    }

    @Override
    protected Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("num_initial_points", initialPoints());
        m.put("batch_size", batchSize);
        m.put("alpha", alpha);
        m.put("acquisition", acquisition);
        m.put("beta", beta);
        return m;
    }

    private List<HyperParameter> dims() {
        return space().stream().filter(p -> !p.isFixed()).toList();
    }

    private int initialPoints() {
        return numInitialPoints != null ? numInitialPoints : 3 * dims().size();
    }

    private int batchStart(int index) {
        int init = initialPoints();
        return index < init ? 0 : init + ((index - init) / batchSize) * batchSize;
    }

    @Override
    protected int requiredFinished(int index) {
        return index < initialPoints() ? 0 : batchStart(index);
    }

    @Override
    protected Map<String, Object> propose(int index, List<Trial> earlier) {
        Rng rng = rng(index, 2);
        if (index < initialPoints()) {
            return freshRandomValues(rng, earlier);
        }
        int start = batchStart(index);
        List<double[]> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (Trial t : earlier) {
            if (t.index() < start && t.status() == Trial.Status.COMPLETED && t.score() != null && Double.isFinite(t.score())) {
                xs.add(toVector(t.values()));
                ys.add(objective().toMinimize(t.score()));
            }
        }
        if (xs.size() < 2) {
            return freshRandomValues(rng, earlier);   // too little to model (failed trials)
        }
        double fBest = ys.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        GaussianProcess gp = new GaussianProcess(alpha);
        gp.fit(xs.toArray(new double[0][]), unbox(ys), rng);
        // the batch's earlier proposals, still running: pessimistic hallucinations
        List<double[]> hx = new ArrayList<>(xs);
        List<Double> hy = new ArrayList<>(ys);
        for (Trial t : earlier) {
            if (t.index() >= start) {
                double[] v = toVector(t.values());
                double[] ms = gp.predict(v);
                hx.add(v);
                hy.add(ms[0] + ms[1]);
            }
        }
        if (hx.size() > xs.size()) {
            gp.refit(hx.toArray(new double[0][]), unbox(hy));
        }
        double[] best = maximize(gp, fBest, dims().size(), rng);
        Map<String, Object> values = fromVector(best);
        Set<String> tried = tried(earlier);
        if (tried.contains(key(values))) {
            return freshRandomValues(rng, earlier);
        }
        return values;
    }

    /** The acquisition to maximise at unit point p. */
    private double acquire(GaussianProcess gp, double fBest, double[] p) {
        double[] ms = gp.predict(p);
        if ("ucb".equals(acquisition)) {
            return -(ms[0] - beta * ms[1]);
        }
        double imp = fBest - ms[0];
        if (ms[1] < 1e-12) {
            return Math.max(0, imp);
        }
        double z = imp / ms[1];
        return imp * STD_NORMAL.cumulativeProbability(z) + ms[1] * STD_NORMAL.density(z);
    }

    private double[] maximize(GaussianProcess gp, double fBest, int d, Rng rng) {
        double[][] cand = new double[CANDIDATES][d];
        double[] val = new double[CANDIDATES];
        for (int i = 0; i < CANDIDATES; i++) {
            for (int j = 0; j < d; j++) {
                cand[i][j] = rng.nextDouble();
            }
            val[i] = acquire(gp, fBest, cand[i]);
        }
        Integer[] order = new Integer[CANDIDATES];
        for (int i = 0; i < CANDIDATES; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(val[b], val[a]) != 0 ? Double.compare(val[b], val[a])
                : Integer.compare(a, b));
        double[] best = cand[order[0]];
        double bestVal = val[order[0]];
        for (int r = 0; r < REFINED; r++) {
            double[] x0 = cand[order[r]];
            try {
                if (d == 1) {
                    UnivariatePointValuePair p = new BrentOptimizer(1e-8, 1e-10).optimize(new MaxEval(200),
                            new UnivariateObjectiveFunction(u -> acquire(gp, fBest, new double[] {u})), GoalType.MAXIMIZE,
                            new SearchInterval(Math.max(0, x0[0] - 0.1), Math.min(1, x0[0] + 0.1), x0[0]));
                    if (p.getValue() > bestVal) {
                        bestVal = p.getValue();
                        best = new double[] {p.getPoint()};
                    }
                } else {
                    double[] lo = new double[d];
                    double[] hi = new double[d];
                    java.util.Arrays.fill(hi, 1.0);
                    PointValuePair p = new BOBYQAOptimizer(2 * d + 1, 0.1, 1e-6).optimize(new MaxEval(300 + 50 * d),
                            new ObjectiveFunction(u -> acquire(gp, fBest, u)), GoalType.MAXIMIZE, new InitialGuess(x0),
                            new SimpleBounds(lo, hi));
                    if (p.getValue() > bestVal) {
                        bestVal = p.getValue();
                        best = p.getPoint();
                    }
                }
            } catch (MathIllegalStateException e) {
                // evaluation budget spent: keep the candidate
            }
        }
        return best;
    }

    private static double[] unbox(List<Double> l) {
        return l.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** A trial's point in the unit cube (inactive parameters at their default's coordinate). */
    double[] toVector(Map<String, Object> values) {
        List<HyperParameter> dims = dims();
        double[] v = new double[dims.size()];
        for (int j = 0; j < v.length; j++) {
            HyperParameter p = dims.get(j);
            Object value = values.get(p.name());
            v[j] = p.toUnit(value != null ? value : p.defaultValue());
        }
        return v;
    }

    /** The values at a unit point (inactive parameters left out). */
    Map<String, Object> fromVector(double[] v) {
        Map<String, Object> out = new LinkedHashMap<>();
        int j = 0;
        for (HyperParameter p : space()) {
            Object value = p.isFixed() ? p.defaultValue() : p.fromUnit(v[j++]);
            if (active(p, out)) {
                out.put(p.name(), value);
            }
        }
        return out;
    }
}
