package dev.lamina.tuner;

import java.util.ServiceLoader;

/**
 * Where a {@link Tuner}'s trials run when not on the tuner's own threads: the tuner hands each
 * trial to {@link #run} as a serialisable {@link TrialTask} (values, seeds, space, the trial body)
 * on one of its {@code parallel} driver threads, and writes what comes back (per-epoch metrics and
 * the execution directories' files, the saved models among them) into the tuner directory as if
 * the trial had run locally. The same seeds and the same body give the same metrics, so a search
 * gives the same trials and the same best trial whichever executor runs it (same backend and kind
 * of machine).
 *
 * <p>Implementations live outside the core jar and are found with {@link ServiceLoader} through
 * {@link Provider} (the {@code lamina-spark} module provides {@code "spark"}), so the core never
 * depends on them.
 */
public interface TrialExecutor extends AutoCloseable {
    /**
     * Runs one trial and returns what it reported; called from several driver threads at once.
     *
     * @param task the trial
     * @return its result (a trial whose body failed is a result with an error, not an exception)
     * @throws Exception when the trial could not be run at all (it is then recorded as failed)
     */
    TrialResult run(TrialTask task) throws Exception;

    /** Trials this executor can run at once (a default for the tuner's {@code parallel}). */
    default int slots() {
        return 1;
    }

    /** A short description for progress lines, e.g. {@code "spark local[2]"}. */
    String describe();

    /** Releases the executor's resources (a Spark context, say). */
    @Override
    default void close() {
    }

    /** Makes executors of one kind; registered in {@code META-INF/services/dev.lamina.tuner.TrialExecutor$Provider}. */
    interface Provider {
        /** The kind, e.g. {@code "spark"}. */
        String name();

        /**
         * Opens an executor.
         *
         * @param master where to run, in the kind's own terms (a Spark master URL)
         * @param appName a name for the run (shown by the cluster's UI)
         * @return the executor; the caller closes it
         */
        TrialExecutor open(String master, String appName);
    }

    /**
     * The provider of kind {@code name} on the class path, or null when none is.
     *
     * @param name the kind, e.g. {@code "spark"}
     * @return the provider or null
     */
    static Provider provider(String name) {
        for (Provider p : ServiceLoader.load(Provider.class)) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }
}
