package dev.lamina.callbacks;

import dev.lamina.nn.Initializers;
import dev.lamina.nn.Layer;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;

/** Test double: y = x·W + b with W [in, units] and b [units] filled with constants. */
final class Affine extends Layer {
    private final int units;
    private final double w0;
    private final double b0;
    private Variable kernel;
    private Variable bias;

    Affine(String name, int units, double w0, double b0) {
        super(name);
        this.units = units;
        this.w0 = w0;
        this.b0 = b0;
    }

    @Override
    protected void build(long[] inputShape) {
        kernel = addWeight("kernel", new long[] {inputShape[inputShape.length - 1], units}, Initializers.constant(w0), true);
        bias = addWeight("bias", new long[] {units}, Initializers.constant(b0), true);
    }

    @Override
    protected Tensor call(Tensor x, boolean training) {
        return x.matmul(kernel).add(bias);
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        long[] s = inputShape.clone();
        s[s.length - 1] = units;
        return s;
    }

    Variable kernel() {
        return kernel;
    }

    Variable bias() {
        return bias;
    }
}
