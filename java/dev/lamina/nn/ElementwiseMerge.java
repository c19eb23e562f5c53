package dev.lamina.nn;

import java.util.List;

/** A merge of inputs of one shape, element by element (Add, Subtract, Multiply, Average). */
abstract class ElementwiseMerge extends Merge {
    ElementwiseMerge(String name) {
        super(name);
    }

    /** All inputs must have the same shape (-1 matches any size); the output has that shape. */
    @Override
    protected long[] mergedShape(List<long[]> shapes) {
        long[] out = shapes.get(0).clone();
        for (long[] s : shapes) {
            boolean ok = s.length == out.length;
            for (int i = 1; ok && i < s.length; i++) {
                ok = s[i] == -1 || out[i] == -1 || s[i] == out[i];
                if (ok && out[i] == -1) {
                    out[i] = s[i];
                }
            }
            if (!ok) {
                throw new IllegalArgumentException(name() + " (" + className() + "): inputs must have the same shape, got "
                        + shapesStr(shapes));
            }
        }
        out[0] = -1;
        return out;
    }
}
