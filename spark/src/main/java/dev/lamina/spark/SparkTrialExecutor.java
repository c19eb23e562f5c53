package dev.lamina.spark;

import dev.lamina.tuner.TrialExecutor;
import dev.lamina.tuner.TrialResult;
import dev.lamina.tuner.TrialTask;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Runs a {@link dev.lamina.tuner.Tuner}'s trials on Spark executors: each trial is a one-task
 * Spark job whose task trains the trial's models with Lamina on an executor
 * ({@link TrialTask#run()}) and returns its metrics and the files of its saved models. The tuner
 * hands over {@code parallel} trials at once (one driver thread each), so Spark runs that many
 * tasks at once; {@link #slots()} is the context's default parallelism.
 *
 * <pre>{@code
 * try (SparkTrialExecutor spark = SparkTrialExecutor.open("spark://master:7077", "tuning")) {
 *     tuner.executor(spark).parallel(spark.slots()).search(xTrain, yTrain, options);
 * }
 * }</pre>
 *
 * <p>The executors need Lamina's jars (the core jar, and the tools jar for the forecaster's
 * trials) and, for models given by a hypermodel, the hypermodel's class: pass them with
 * {@code spark.jars} or {@code spark.executor.extraClassPath}. Each executor uses its own
 * default backend unless the driver's is named in the task (it is: the tuner sends its backend's
 * name).
 */
public final class SparkTrialExecutor implements TrialExecutor {
    private static JavaSparkContext shared;   // the context of the executors made by open(), with their count
    private static int users;
    private final JavaSparkContext sc;
    private final boolean owned;
    private boolean closed;

    /**
     * An executor on an existing context (not closed by {@link #close()}).
     *
     * @param sc the context
     */
    public SparkTrialExecutor(JavaSparkContext sc) {
        this(sc, false);
    }

    private SparkTrialExecutor(JavaSparkContext sc, boolean owned) {
        if (sc == null) {
            throw new IllegalArgumentException("spark: the context is null");
        }
        this.sc = sc;
        this.owned = owned;
    }

    /**
     * An executor on a context for {@code master}. The executors made here share one context,
     * started by the first and stopped when the last is closed (a context made by the caller is
     * given to the constructor instead). Further settings come from {@code spark.*} system
     * properties, as Spark reads them; a local master runs without the web UI unless
     * {@code spark.ui.enabled} says otherwise, and Spark logs warnings and errors only unless
     * {@code spark.log.level} is set.
     *
     * @param master a Spark master URL: {@code local[2]}, {@code spark://host:7077}, ...
     * @param appName the application's name
     * @return the executor
     */
    public static SparkTrialExecutor open(String master, String appName) {
        if (master == null || master.isBlank()) {
            throw new IllegalArgumentException("spark: a master URL is needed (local[2], spark://host:7077, ...)");
        }
        synchronized (SparkTrialExecutor.class) {
            if (shared == null || shared.sc().isStopped()) {
                SparkConf conf = new SparkConf().setMaster(master).setAppName(appName == null ? "lamina" : appName);
                if (master.startsWith("local") && !conf.contains("spark.ui.enabled")) {
                    conf.set("spark.ui.enabled", "false");
                }
                shared = new JavaSparkContext(conf);
                if (System.getProperty("spark.log.level") == null) {
                    shared.setLogLevel("WARN");   // Spark's INFO lines would drown the search's progress
                }
                users = 0;
            } else if (!shared.master().equals(master)) {
                throw new IllegalArgumentException("spark: this JVM already runs a context on " + shared.master() + ", not "
                        + master);
            }
            users++;
            return new SparkTrialExecutor(shared, true);
        }
    }

    /** The Spark context. */
    public JavaSparkContext context() {
        return sc;
    }

    @Override
    public TrialResult run(TrialTask task) {
        sc.setLocalProperty("spark.job.description", "lamina trial " + task.id());
        return sc.parallelize(List.of(task), 1).map(TrialTask::run).collect().get(0);
    }

    @Override
    public int slots() {
        return Math.max(1, sc.defaultParallelism());
    }

    @Override
    public String describe() {
        return "spark " + sc.master();
    }

    @Override
    public void close() {
        if (!owned) {
            return;
        }
        synchronized (SparkTrialExecutor.class) {
            if (!closed && --users == 0 && shared == sc) {
                sc.close();
                shared = null;
            }
            closed = true;
        }
    }
}
