package dev.lamina.tuner;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a trial run by a {@link TrialExecutor} sends back to the tuner: the metrics it reported per
 * epoch of every execution it started, how many executions finished, the first error (null when
 * none), and the files its executions wrote (paths relative to the trial's directory, such as
 * {@code execution_0/model/weights.safetensors}).
 *
 * @param executions per execution started, the logs of each epoch in order
 * @param finished executions whose body returned normally
 * @param error the failure's message, or null
 * @param files the executions' files by path relative to the trial directory
 * @param host where the trial ran
 */
public record TrialResult(List<List<Map<String, Double>>> executions, int finished, String error,
                          Map<String, byte[]> files, String host) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Copies into serialisable collections. */
    public TrialResult {
        List<List<Map<String, Double>>> ex = new ArrayList<>();
        for (List<Map<String, Double>> e : executions) {
            List<Map<String, Double>> epochs = new ArrayList<>();
            for (Map<String, Double> logs : e) {
                epochs.add(new LinkedHashMap<>(logs));
            }
            ex.add(epochs);
        }
        executions = ex;
        files = new LinkedHashMap<>(files);
    }
}
