package dev.lamina.data;

import dev.lamina.backend.Backends;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Tensor;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Mini-batches (x, y) over a data set held in two tensors with the samples on axis 0, in a seeded
 * shuffled order: each call of {@link #iterator()} is one epoch, with a fresh permutation for
 * epoch e drawn from {@code new Rng(seed)} advanced through the earlier epochs (so epoch orders
 * are reproducible from the seed). Each batch gathers its rows from x and y (a copy of the batch
 * only; the data set is never copied per epoch). The last batch is smaller unless
 * {@link #dropRemainder} is set.
 *
 * <pre>{@code
 * BatchIterator it = new BatchIterator(x, y, 32, true, 42L);
 * for (int epoch = 0; epoch < 10; epoch++) {
 *     for (BatchIterator.Batch b : it) {
 *         try (Scope s = Scope.open()) { ... b.x() ... b.y() ... }
 *         b.close();
 *     }
 * }
 * }</pre>
 */
public final class BatchIterator implements Iterable<BatchIterator.Batch> {
    private final Tensor x;
    private final Tensor y;
    private final int batchSize;
    private final boolean shuffle;
    private final Rng rng;
    private final int n;
    private boolean dropRemainder;
    private int epoch;

    /** One batch: the rows of x and y (null when y is) at {@code indices}; close it to free them. */
    public record Batch(Tensor x, Tensor y, int[] indices) implements AutoCloseable {
        @Override
        public void close() {
            x.close();
            if (y != null) {
                y.close();
            }
        }
    }

    /**
     * @param x         samples [N, ...]
     * @param y         targets [N, ...], or null
     * @param batchSize rows per batch (positive)
     * @param shuffle   a new seeded permutation per epoch (else 0..N−1 in order)
     * @param seed      the seed of the permutations
     */
    public BatchIterator(Tensor x, Tensor y, int batchSize, boolean shuffle, long seed) {
        if (x.rank() < 1) {
            throw new IllegalArgumentException("BatchIterator: x must have a sample axis, got a scalar");
        }
        if (y != null && (y.rank() < 1 || y.dim(0) != x.dim(0))) {
            throw new IllegalArgumentException("BatchIterator: x has " + x.dim(0) + " samples but y has shape "
                    + dev.lamina.tensor.Shapes.str(y.shape()));
        }
        if (y != null && y.backend() != x.backend()) {
            throw new IllegalArgumentException("BatchIterator: x and y are on different backends");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("BatchIterator: batch size must be positive, got " + batchSize);
        }
        if (x.dim(0) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("BatchIterator: too many samples " + x.dim(0));
        }
        this.x = x;
        this.y = y;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.rng = new Rng(seed);
        this.n = (int) x.dim(0);
    }

    /** Drop a last batch smaller than the batch size (default false); returns this. */
    public BatchIterator dropRemainder(boolean drop) {
        this.dropRemainder = drop;
        return this;
    }

    /** Number of samples. */
    public int size() {
        return n;
    }

    /** Batches per epoch. */
    public int batchesPerEpoch() {
        return dropRemainder ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** Epochs started so far. */
    public int epochsStarted() {
        return epoch;
    }

    /** The sample order of the next epoch (a new permutation when shuffling); starts that epoch. */
    private int[] nextOrder() {
        epoch++;
        return rng.order(n, shuffle);
    }

    /** The batches of the next epoch. */
    @Override
    public Iterator<Batch> iterator() {
        int[] order = nextOrder();
        int batches = batchesPerEpoch();
        return new Iterator<>() {
            private int b;

            @Override
            public boolean hasNext() {
                return b < batches;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("BatchIterator: the epoch has " + batches + " batches");
                }
                int start = b * batchSize;
                int end = Math.min(n, start + batchSize);
                b++;
                int[] ids = java.util.Arrays.copyOfRange(order, start, end);
                Tensor idT = indexTensor(ids);
                try {
                    return new Batch(x.gather(idT), y == null ? null : y.gather(idT), ids);
                } finally {
                    if (!dev.lamina.autograd.GradientTape.isRecording()) {
                        idT.close(); // a recorded gather keeps its ids for the backward pass
                    }
                }
            }
        };
    }

    private Tensor indexTensor(int[] ids) {
        long[] v = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            v[i] = ids[i];
        }
        try (Backends.Use u = Backends.use(x.backend())) {
            return Tensor.of(v);   // int64 ids on x's backend
        }
    }
}
