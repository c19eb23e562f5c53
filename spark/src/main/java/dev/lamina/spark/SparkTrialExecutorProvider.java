package dev.lamina.spark;

import dev.lamina.tuner.TrialExecutor;

/** The {@code "spark"} {@link TrialExecutor.Provider} ({@code lamina tune --spark MASTER}), found by ServiceLoader. */
public final class SparkTrialExecutorProvider implements TrialExecutor.Provider {
    @Override
    public String name() {
        return "spark";
    }

    @Override
    public TrialExecutor open(String master, String appName) {
        return SparkTrialExecutor.open(master, appName);
    }
}
