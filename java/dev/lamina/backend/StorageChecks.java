package dev.lamina.backend;

import dev.lamina.tensor.DType;
import java.util.Arrays;

/**
 * Argument checks shared by the native backends (cpu, cuda): the cheap re-checks a backend makes
 * before a native call so that no kernel ever reads or writes outside its storages.
 */
public final class StorageChecks {
    private StorageChecks() {
    }

    /** Ids must be int32 or int64. */
    public static void checkIds(String what, Storage ids) {
        if (ids.dtype() != DType.INT32 && ids.dtype() != DType.INT64) {
            throw new IllegalArgumentException(what + ": ids must be int32 or int64, got " + ids.dtype());
        }
    }

    /** x and out hold the same number of elements. */
    public static void sameNumel(String what, Storage x, Storage out) {
        if (x.numel() != out.numel()) {
            throw new IllegalArgumentException(what + ": x has " + x.numel() + " elements, out " + out.numel());
        }
    }

    /** Product of the dims, which must be ≥ 0 (overflow is an ArithmeticException). */
    public static long numel(long[] shape, String what) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(what + ": negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Every element a strided view of a non-empty shape touches lies inside the storage. */
    public static void checkRange(String what, String name, Storage s, long offset, long[] strides, long[] shape) {
        long lo = offset;
        long hi = offset;
        for (int d = 0; d < shape.length; d++) {
            long span = Math.multiplyExact(strides[d], shape[d] - 1);
            if (span < 0) {
                lo += span;
            } else {
                hi += span;
            }
        }
        if (lo < 0 || hi >= s.numel()) {
            throw new IllegalArgumentException(what + ": " + name + " view (offset " + offset + ", strides "
                    + Arrays.toString(strides) + ", shape " + Arrays.toString(shape) + ") reaches elements [" + lo + ", "
                    + hi + "] of a storage of " + s.numel());
        }
    }
}
