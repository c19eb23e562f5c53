package dev.lamina.autograd;

import dev.lamina.tensor.Backward;
import dev.lamina.tensor.Tape;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

/**
 * Reverse-mode automatic differentiation, as TensorFlow's {@code tf.GradientTape}: ops run
 * eagerly and, while a tape is open on the thread and one of their inputs is watched (or derives
 * from a watched tensor), the tape records the op and its gradient rule.
 *
 * <pre>{@code
 * GradientTape tape = GradientTape.start();
 * try (tape) {
 *     Tensor loss = x.matmul(w).sub(y).square().mean();   // w is a Variable: watched automatically
 *     Tensor[] grads = tape.gradient(loss, w);
 * }
 * }</pre>
 *
 * <p>Trainable {@link Variable}s are watched automatically; other tensors must be passed to
 * {@link #watch}. With no open tape an op pays one thread-local look-up and nothing else.
 * {@link #gradient} may be called several times, and also after the tape is closed (closing stops
 * the recording). Gradient computations themselves are not recorded.
 *
 * <p>This class is the user's view of {@link Tape}, the tensor package's tape that the ops record
 * on; each method delegates to it.
 */
public final class GradientTape implements AutoCloseable {
    private final Tape tape;

    private GradientTape(Tape tape) {
        this.tape = tape;
    }

    /**
     * Opens a tape that watches trainable variables automatically.
     *
     * @return the tape, recording until closed
     */
    public static GradientTape start() {
        return start(true);
    }

    /**
     * Opens a tape; with {@code watchAccessedVariables} false only {@link #watch}ed tensors count.
     *
     * @param watchAccessedVariables whether trainable {@link Variable}s are watched automatically
     * @return the tape, recording until closed
     */
    public static GradientTape start(boolean watchAccessedVariables) {
        return new GradientTape(Tape.open(watchAccessedVariables));
    }

    /**
     * Marks tensors as sources whose gradients may be asked for.
     *
     * @param tensors the tensors to watch
     */
    public void watch(Tensor... tensors) {
        tape.watch(tensors);
    }

    /** @return the number of ops recorded so far */
    public int recordedOps() {
        return tape.recordedOps();
    }

    /** @return true when some open tape on this thread records ops (cheap; ops check it before building a rule) */
    public static boolean isRecording() {
        return Tape.isRecording();
    }

    /**
     * Called by ops: records {@code output = op(inputs)} on every open tape that tracks an input.
     *
     * @param op the op's name
     * @param output the op's result
     * @param backward the op's gradient rule (from the gradient table)
     * @param inputs the op's inputs, in the order the rule returns their gradients
     */
    public static void record(String op, Tensor output, Backward backward, Tensor... inputs) {
        Tape.record(op, output, backward, inputs);
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
        return Tape.needsGradient(input);
    }

    /**
     * dL/d(source) for one source; see {@link #gradient(Tensor, Tensor...)}.
     *
     * @param target the differentiated tensor
     * @param source the tensor to differentiate with respect to
     * @return the gradient, or null when the target does not depend on the source
     */
    public Tensor gradient(Tensor target, Tensor source) {
        return gradient(target, new Tensor[] {source})[0];
    }

    /**
     * Gradients for a list of sources, in order; see {@link #gradient(Tensor, Tensor...)}.
     *
     * @param target the differentiated tensor
     * @param sources the tensors to differentiate with respect to
     * @return one gradient (or null) per source
     */
    public List<Tensor> gradient(Tensor target, List<? extends Tensor> sources) {
        Tensor[] g = gradient(target, sources.toArray(new Tensor[0]));
        List<Tensor> out = new ArrayList<>(g.length);
        Collections.addAll(out, g);
        return out;
    }

    /**
     * The gradients of {@code target} with respect to each source. A non-scalar target is summed
     * first (as TensorFlow does). A source the target does not depend on gets null. The returned
     * tensors belong to the current scope; intermediate gradients are freed as the walk goes.
     *
     * @param target the differentiated tensor
     * @param sources the tensors to differentiate with respect to
     * @return one gradient (or null) per source
     */
    public Tensor[] gradient(Tensor target, Tensor... sources) {
        return tape.gradient(target, sources);
    }

    /**
     * Runs {@code body} without recording on any tape (like {@code tf.stop_recording}).
     *
     * @param body the computation
     * @param <T> its result type
     * @return its result
     */
    public static <T> T noGrad(Supplier<T> body) {
        return Tape.noGrad(body);
    }

    /** Stops recording and removes the tape from the thread; gradients can still be computed. */
    @Override
    public void close() {
        tape.close();
    }
}
