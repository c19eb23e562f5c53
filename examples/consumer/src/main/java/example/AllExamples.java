package example;

import java.util.LinkedHashMap;
import java.util.Map;

/** Runs every example in turn; exit code 1 when one of them throws (a failed check included). */
public final class AllExamples {
    private AllExamples() {
    }

    public static void main(String[] args) {
        Map<String, Runnable> examples = new LinkedHashMap<>();
        examples.put("tensors and variables", () -> TensorsAndVariables.main(args));
        examples.put("feed-forward net", () -> FeedForward.main(args));
        examples.put("CNN", () -> Cnn.main(args));
        examples.put("RNN with embeddings", () -> RnnEmbeddings.main(args));
        examples.put("single and stacked LSTM", () -> LstmTimeSeries.main(args));
        examples.put("metrics", () -> MetricsExample.main(args));
        examples.put("ensembles", () -> EnsembleExample.main(args));
        int failed = 0;
        for (Map.Entry<String, Runnable> e : examples.entrySet()) {
            System.out.println("== " + e.getKey());
            long t0 = System.nanoTime();
            try {
                e.getValue().run();
                System.out.printf("   (%.1f s)%n", (System.nanoTime() - t0) / 1e9);
            } catch (RuntimeException ex) {
                failed++;
                System.out.println("FAILED: " + ex);
                ex.printStackTrace(System.out);
            }
        }
        System.out.println(failed == 0 ? "all " + examples.size() + " examples passed"
                : failed + " of " + examples.size() + " examples failed");
        System.exit(failed == 0 ? 0 : 1);
    }
}
