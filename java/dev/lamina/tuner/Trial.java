package dev.lamina.tuner;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One trial of a search: its index, the hyperparameter values the oracle proposed, its status, the
 * per-epoch metrics of each execution, and its score (the objective's best epoch value, averaged
 * over executions, as KerasTuner scores a trial) with the best step (epoch) of the best execution.
 * Saved as {@code trial_NNNN/trial.json} in the tuner directory after every epoch.
 */
public final class Trial {

    /** KerasTuner's trial statuses (those this tuner uses). */
    public enum Status {
        /** Proposed and started, not finished (a trial found RUNNING on resume is run again). */
        RUNNING,
        /** Finished with a score. */
        COMPLETED,
        /** The trial body threw; {@link #message()} says what. */
        FAILED
    }

    /** One execution (one model trained with one seed): metric name → value per epoch. */
    public record Execution(Map<String, List<Double>> metrics, double best, int bestStep) {
    }

    private final int index;
    private final Map<String, Object> values;
    private Status status = Status.RUNNING;
    private final List<Execution> executions = new ArrayList<>();
    private Map<String, List<Double>> current;
    private Double score;
    private Integer bestStep;
    private String message;
    private double seconds;
    private int bestExecution;

    Trial(int index, Map<String, Object> values) {
        this.index = index;
        this.values = new LinkedHashMap<>(values);
    }

    /** The trial's position in the search (0, 1, ...). */
    public int index() {
        return index;
    }

    /** KerasTuner-style id: the index in four digits. */
    public String id() {
        return String.format("%04d", index);
    }

    /** The hyperparameter values of this trial (active parameters and "tuner/..." entries). */
    public Map<String, Object> values() {
        return java.util.Collections.unmodifiableMap(values);
    }

    public synchronized Status status() {
        return status;
    }

    /** The score (objective's best epoch value averaged over executions), or null unless completed. */
    public synchronized Double score() {
        return score;
    }

    /** The best epoch (0-based) of the best execution, or null. */
    public synchronized Integer bestStep() {
        return bestStep;
    }

    /** Why the trial failed, or null. */
    public synchronized String message() {
        return message;
    }

    /** Wall time of the trial in seconds. */
    public synchronized double seconds() {
        return seconds;
    }

    /** The executions finished so far. */
    public synchronized List<Execution> executions() {
        return List.copyOf(executions);
    }

    /** The per-epoch metrics of the best execution (or the running one). */
    public synchronized Map<String, List<Double>> metrics() {
        if (current != null) {
            return copy(current);
        }
        if (executions.isEmpty()) {
            return Map.of();
        }
        return executions.get(Math.max(0, Math.min(bestExecution, executions.size() - 1))).metrics();
    }

    // ---- updates by the tuner ---------------------------------------------------------------------

    synchronized void beginExecution() {
        current = new LinkedHashMap<>();
    }

    synchronized void recordEpoch(Map<String, Double> logs) {
        if (current == null) {
            current = new LinkedHashMap<>();
        }
        int epochs = current.isEmpty() ? 0 : current.values().iterator().next().size();
        for (Map.Entry<String, Double> e : logs.entrySet()) {
            List<Double> l = current.computeIfAbsent(e.getKey(), k -> new ArrayList<>());
            while (l.size() < epochs) {
                l.add(Double.NaN);
            }
            l.add(e.getValue());
        }
    }

    /** Ends the running execution, scoring it on {@code objective}; an absent metric is an error naming those logged. */
    synchronized void endExecution(Objective objective) {
        Map<String, List<Double>> m = current == null ? Map.of() : current;
        current = null;
        List<Double> series = m.get(objective.name());
        if (series == null) {
            throw new IllegalArgumentException("objective '" + objective.name() + "' was not logged by the trial (logged: "
                    + m.keySet() + "); check the metric name, or give validation data for a val_ metric");
        }
        double best = Double.NaN;
        int step = -1;
        for (int i = 0; i < series.size(); i++) {
            if (objective.better(series.get(i), best)) {
                best = series.get(i);
                step = i;
            }
        }
        executions.add(new Execution(copy(m), best, step));
    }

    synchronized void complete(Objective objective, double seconds) {
        double sum = 0;
        int n = 0;
        for (Execution e : executions) {
            sum += e.best();
            n++;
        }
        this.bestExecution = Math.max(0, bestExecution(objective));
        this.score = n == 0 ? Double.NaN : sum / n;
        this.bestStep = n == 0 ? null : executions.get(bestExecution).bestStep();
        this.status = Status.COMPLETED;
        this.seconds = seconds;
    }

    synchronized void fail(String message, double seconds) {
        this.status = Status.FAILED;
        this.message = message;
        this.seconds = seconds;
        this.current = null;
    }

    /** The index of the best execution (by its best epoch value), or -1. */
    synchronized int bestExecution(Objective objective) {
        int best = -1;
        for (int i = 0; i < executions.size(); i++) {
            if (best < 0 || objective.better(executions.get(i).best(), executions.get(best).best())) {
                best = i;
            }
        }
        return best;
    }

    // ---- JSON ----------------------------------------------------------------------------------

    synchronized Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trial_id", id());
        m.put("index", index);
        m.put("hyperparameters", Map.of("values", values));
        m.put("status", status.name());
        m.put("score", score == null || score.isNaN() ? null : score);
        m.put("best_step", bestStep);
        m.put("best_execution", bestExecution);
        m.put("seconds", seconds);
        m.put("message", message);
        List<Object> ex = new ArrayList<>();
        for (Execution e : executions) {
            Map<String, Object> em = new LinkedHashMap<>();
            em.put("best", Double.isNaN(e.best()) ? null : e.best());
            em.put("best_step", e.bestStep());
            em.put("metrics", jsonSafe(e.metrics()));
            ex.add(em);
        }
        m.put("executions", ex);
        if (current != null) {
            m.put("running_execution", jsonSafe(current));
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    static Trial fromMap(Map<String, Object> m) {
        Map<String, Object> hp = (Map<String, Object>) m.get("hyperparameters");
        Trial t = new Trial(((Number) m.get("index")).intValue(), (Map<String, Object>) hp.get("values"));
        t.status = Status.valueOf((String) m.get("status"));
        t.score = m.get("score") == null ? null : ((Number) m.get("score")).doubleValue();
        t.bestStep = m.get("best_step") == null ? null : ((Number) m.get("best_step")).intValue();
        t.seconds = m.get("seconds") == null ? 0 : ((Number) m.get("seconds")).doubleValue();
        t.message = (String) m.get("message");
        t.bestExecution = m.get("best_execution") == null ? 0 : ((Number) m.get("best_execution")).intValue();
        for (Object o : (List<Object>) m.getOrDefault("executions", List.of())) {
            Map<String, Object> em = (Map<String, Object>) o;
            Map<String, List<Double>> metrics = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : ((Map<String, Object>) em.get("metrics")).entrySet()) {
                List<Double> l = new ArrayList<>();
                for (Object v : (List<Object>) e.getValue()) {
                    l.add(v == null ? Double.NaN : ((Number) v).doubleValue());
                }
                metrics.put(e.getKey(), l);
            }
            t.executions.add(new Execution(metrics, em.get("best") == null ? Double.NaN : ((Number) em.get("best")).doubleValue(),
                    ((Number) em.get("best_step")).intValue()));
        }
        if (t.status == Status.COMPLETED && t.score == null) {
            t.score = Double.NaN;
        }
        return t;
    }

    private static Map<String, List<Double>> copy(Map<String, List<Double>> m) {
        Map<String, List<Double>> c = new LinkedHashMap<>();
        m.forEach((k, v) -> c.put(k, List.copyOf(v)));
        return c;
    }

    /** NaN and infinities as null (JSON has no such numbers). */
    private static Map<String, List<Double>> jsonSafe(Map<String, List<Double>> m) {
        Map<String, List<Double>> c = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            List<Double> l = new ArrayList<>();
            for (Double d : v) {
                l.add(d == null || !Double.isFinite(d) ? null : d);
            }
            c.put(k, l);
        });
        return c;
    }

    @Override
    public synchronized String toString() {
        return "Trial " + id() + " " + status + " " + values + (score == null ? "" : " score=" + score);
    }
}
