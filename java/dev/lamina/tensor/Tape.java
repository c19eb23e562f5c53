package dev.lamina.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tape the tensor ops record on: the thread's stack of open tapes, the recorded nodes and the
 * reverse walk that computes gradients. Ops call {@link #isRecording} and {@link #record} (with a
 * rule of the gradient table); users open and read tapes through {@code dev.lamina.autograd.GradientTape},
 * which wraps this class and documents the semantics. It lives in the tensor package because the
 * ops and the tape need each other: the ops record on it and the walk runs tensor ops.
 */
public final class Tape implements AutoCloseable {
    private static final ThreadLocal<ArrayDeque<Tape>> ACTIVE = ThreadLocal.withInitial(ArrayDeque::new);
    private static final ThreadLocal<int[]> PAUSED = ThreadLocal.withInitial(() -> new int[1]);
    /** The tape whose {@link #gradient} is running on this thread (null outside a gradient walk). */
    private static final ThreadLocal<Tape> WALKING = new ThreadLocal<>();

    private final boolean watchAccessedVariables;
    private final Set<Tensor> tracked = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<Node> nodes = new ArrayList<>();
    private boolean recording = true;

    private record Node(String op, Tensor[] inputs, Tensor output, Backward backward) {
    }

    private Tape(boolean watchAccessedVariables) {
        this.watchAccessedVariables = watchAccessedVariables;
    }

    /**
     * Opens a tape on this thread.
     *
     * @param watchAccessedVariables whether trainable variables are watched automatically
     * @return the tape, recording until closed
     */
    public static Tape open(boolean watchAccessedVariables) {
        Tape t = new Tape(watchAccessedVariables);
        ACTIVE.get().push(t);
        return t;
    }

    /**
     * Marks tensors as sources whose gradients may be asked for.
     *
     * @param tensors the tensors to watch
     */
    public void watch(Tensor... tensors) {
        for (Tensor t : tensors) {
            tracked.add(t);
        }
    }

    /** @return the number of ops recorded so far */
    public int recordedOps() {
        return nodes.size();
    }

    /** @return true when some open tape on this thread records ops (cheap; ops check it before building a rule) */
    public static boolean isRecording() {
        return !ACTIVE.get().isEmpty() && PAUSED.get()[0] == 0;
    }

    /**
     * Called by ops: records {@code output = op(inputs)} on every open tape that tracks an input.
     *
     * @param op the op's name
     * @param output the op's result
     * @param backward the op's gradient rule
     * @param inputs the op's inputs, in the order the rule returns their gradients
     */
    public static void record(String op, Tensor output, Backward backward, Tensor... inputs) {
        if (PAUSED.get()[0] != 0) {
            return;
        }
        for (Tape tape : ACTIVE.get()) {
            if (tape.recording && tape.tracksAny(inputs)) {
                tape.nodes.add(new Node(op, inputs.clone(), output, backward));
                tape.tracked.add(output);
            }
        }
    }

    /** True when some input is tracked; checks every input so that variables are all picked up. */
    private boolean tracksAny(Tensor[] inputs) {
        boolean any = false;
        for (Tensor t : inputs) {
            any |= tracks(t);
        }
        return any;
    }

    private boolean tracks(Tensor t) {
        if (tracked.contains(t)) {
            return true;
        }
        if (watchAccessedVariables && t instanceof Variable v && v.trainable()) {
            tracked.add(t);
            return true;
        }
        return false;
    }

    /**
     * For backward rules: whether the gradient walk now running on this thread will use a gradient
     * for {@code input} (the tape tracks it: a watched tensor, a trainable variable or the output of
     * a recorded op). Rules may skip inputs for which this is false, e.g. a convolution's input
     * gradient on the first layer of a network. Outside a gradient walk it answers true.
     *
     * @param input an input of the op whose rule runs
     * @return whether its gradient is used
     */
    public static boolean needsGradient(Tensor input) {
        Tape walking = WALKING.get();
        return walking == null || walking.tracked.contains(input);
    }

    /**
     * The gradients of {@code target} with respect to each source. A non-scalar target is summed
     * first (as TensorFlow does). A source the target does not depend on gets null. The returned
     * tensors belong to the current scope; intermediate gradients are freed as the walk goes.
     *
     * @param target the differentiated tensor
     * @param sources the tensors to differentiate with respect to
     * @return dL/d(source) per source, null where the target does not depend on it
     */
    public Tensor[] gradient(Tensor target, Tensor... sources) {
        Tensor[] result = new Tensor[sources.length];
        if (!tracked.contains(target)) {
            return result;
        }
        Set<Tensor> wanted = Collections.newSetFromMap(new IdentityHashMap<>());
        Collections.addAll(wanted, sources);
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        PAUSED.get()[0]++;
        Tape outerWalk = WALKING.get();
        WALKING.set(this);
        try {
            grads.put(target, Tensor.onesLike(target));
            for (int i = nodes.size() - 1; i >= 0; i--) {
                Node node = nodes.get(i);
                Tensor g = grads.get(node.output);
                if (g == null) {
                    continue;
                }
                Tensor[] inputGrads = node.backward.apply(g);
                for (int j = 0; j < node.inputs.length; j++) {
                    Tensor in = node.inputs[j];
                    Tensor ig = inputGrads[j];
                    if (ig == null) {
                        continue;
                    }
                    if (!tracked.contains(in)) {
                        ig.close();
                        continue;
                    }
                    Tensor prev = grads.get(in);
                    if (prev == null) {
                        grads.put(in, ig);
                    } else {
                        grads.put(in, prev.add(ig));
                        prev.close();
                        ig.close();
                    }
                }
                if (!wanted.contains(node.output)) {
                    grads.remove(node.output);
                    g.close();
                }
            }
            for (int i = 0; i < sources.length; i++) {
                Tensor g = grads.get(sources[i]);
                // the same source twice gets two tensors, so each may be closed on its own
                result[i] = g == null ? null : (contains(result, i, g) ? g.view() : g);
            }
            for (Map.Entry<Tensor, Tensor> e : grads.entrySet()) {
                if (!wanted.contains(e.getKey())) {
                    e.getValue().close();
                }
            }
        } finally {
            WALKING.set(outerWalk);
            PAUSED.get()[0]--;
        }
        return result;
    }

    private static boolean contains(Tensor[] arr, int upTo, Tensor t) {
        for (int i = 0; i < upTo; i++) {
            if (arr[i] == t) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs {@code body} without recording on any tape (like {@code tf.stop_recording}).
     *
     * @param body the computation
     * @param <T> its result type
     * @return its result
     */
    public static <T> T noGrad(java.util.function.Supplier<T> body) {
        PAUSED.get()[0]++;
        try {
            return body.get();
        } finally {
            PAUSED.get()[0]--;
        }
    }

    /** Stops recording and removes the tape from the thread; gradients can still be computed. */
    @Override
    public void close() {
        if (recording) {
            recording = false;
            ACTIVE.get().remove(this);
        }
    }
}
