package dev.lamina.nn;

import java.util.List;

/** A merge of inputs of one shape (or broadcasting ones), element by element (Add, Subtract, Multiply, Average). */
abstract class ElementwiseMerge extends Merge {
    ElementwiseMerge(String name) {
        super(name);
    }

    /**
     * All inputs must have the same rank and, axis by axis past the batch, the same size or a size
     * 1 that broadcasts (as Keras's merge layers: [n, 4] with [n, 1], [n, 3, 4] with [n, 1, 4]); -1
     * matches any size. The output has the broadcast shape.
     */
    @Override
    protected long[] mergedShape(List<long[]> shapes) {
        long[] out = shapes.get(0).clone();
        for (long[] s : shapes) {
            boolean ok = s.length == out.length;
            for (int i = 1; ok && i < s.length; i++) {
                long a = out[i];
                long b = s[i];
                if (a == 1 || (a == -1 && b != 1)) {
                    out[i] = b;
                } else {
                    ok = b == a || b == 1 || b == -1;
                }
            }
            if (!ok) {
                throw new IllegalArgumentException(name() + " (" + className() + "): inputs must have the same shape (or a size 1"
                        + " that broadcasts), got " + shapesStr(shapes));
            }
        }
        out[0] = -1;
        return out;
    }
}
