package dev.lamina.callbacks;

import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A callback made of functions, as {@code keras.callbacks.LambdaCallback}: each hook is optional.
 *
 * <pre>{@code
 * List<Double> losses = new ArrayList<>();
 * Callback record = LambdaCallback.builder()
 *         .onEpochEnd((epoch, logs) -> losses.add(logs.get("loss")))
 *         .onTrainEnd(logs -> System.out.println("done"))
 *         .build();
 * }</pre>
 *
 * The functions see the same arguments as the {@link Callback} methods; {@link #model()} is set
 * before {@code onTrainBegin}, so a hook may capture the callback to reach the model.
 */
public final class LambdaCallback extends Callback {
    private final Consumer<Map<String, Double>> trainBegin;
    private final Consumer<Map<String, Double>> trainEnd;
    private final BiConsumer<Integer, Map<String, Double>> epochBegin;
    private final BiConsumer<Integer, Map<String, Double>> epochEnd;
    private final BiConsumer<Integer, Map<String, Double>> batchBegin;
    private final BiConsumer<Integer, Map<String, Double>> batchEnd;

    private LambdaCallback(Builder b) {
        this.trainBegin = b.trainBegin;
        this.trainEnd = b.trainEnd;
        this.epochBegin = b.epochBegin;
        this.epochEnd = b.epochEnd;
        this.batchBegin = b.batchBegin;
        this.batchEnd = b.batchEnd;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void onTrainBegin(Map<String, Double> logs) {
        if (trainBegin != null) {
            trainBegin.accept(logs);
        }
    }

    @Override
    public void onTrainEnd(Map<String, Double> logs) {
        if (trainEnd != null) {
            trainEnd.accept(logs);
        }
    }

    @Override
    public void onEpochBegin(int epoch, Map<String, Double> logs) {
        if (epochBegin != null) {
            epochBegin.accept(epoch, logs);
        }
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        if (epochEnd != null) {
            epochEnd.accept(epoch, logs);
        }
    }

    @Override
    public void onBatchBegin(int batch, Map<String, Double> logs) {
        if (batchBegin != null) {
            batchBegin.accept(batch, logs);
        }
    }

    @Override
    public void onBatchEnd(int batch, Map<String, Double> logs) {
        if (batchEnd != null) {
            batchEnd.accept(batch, logs);
        }
    }

    /** Collects the hooks; each may be set once. */
    public static final class Builder {
        private Consumer<Map<String, Double>> trainBegin;
        private Consumer<Map<String, Double>> trainEnd;
        private BiConsumer<Integer, Map<String, Double>> epochBegin;
        private BiConsumer<Integer, Map<String, Double>> epochEnd;
        private BiConsumer<Integer, Map<String, Double>> batchBegin;
        private BiConsumer<Integer, Map<String, Double>> batchEnd;

        private Builder() {
        }

        private static <T> T once(T current, T f, String hook) {
            if (f == null) {
                throw new IllegalArgumentException("LambdaCallback: " + hook + " function is null");
            }
            if (current != null) {
                throw new IllegalArgumentException("LambdaCallback: " + hook + " is already set");
            }
            return f;
        }

        public Builder onTrainBegin(Consumer<Map<String, Double>> f) {
            trainBegin = once(trainBegin, f, "onTrainBegin");
            return this;
        }

        public Builder onTrainEnd(Consumer<Map<String, Double>> f) {
            trainEnd = once(trainEnd, f, "onTrainEnd");
            return this;
        }

        /** {@code (epoch, logs)} at the start of each epoch. */
        public Builder onEpochBegin(BiConsumer<Integer, Map<String, Double>> f) {
            epochBegin = once(epochBegin, f, "onEpochBegin");
            return this;
        }

        /** {@code (epoch, logs)} at the end of each epoch. */
        public Builder onEpochEnd(BiConsumer<Integer, Map<String, Double>> f) {
            epochEnd = once(epochEnd, f, "onEpochEnd");
            return this;
        }

        /** {@code (batch, logs)} before each training batch. */
        public Builder onBatchBegin(BiConsumer<Integer, Map<String, Double>> f) {
            batchBegin = once(batchBegin, f, "onBatchBegin");
            return this;
        }

        /** {@code (batch, logs)} after each training batch. */
        public Builder onBatchEnd(BiConsumer<Integer, Map<String, Double>> f) {
            batchEnd = once(batchEnd, f, "onBatchEnd");
            return this;
        }

        public LambdaCallback build() {
            return new LambdaCallback(this);
        }
    }
}
