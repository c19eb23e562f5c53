package dev.lamina.parity;

import dev.lamina.losses.BinaryCrossentropy;
import dev.lamina.losses.Loss;
import dev.lamina.losses.MeanSquaredError;
import dev.lamina.losses.SparseCategoricalCrossentropy;
import dev.lamina.ops.ConvOps;
import dev.lamina.ops.RecurrentOps;
import dev.lamina.tensor.OpTable;
import dev.lamina.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The operations the parity runner can check: one table, op name to implementation. Each
 * implementation builds its outputs from the case's input tensors through the Tensor API only, so
 * the backward pass comes from the autograd tape. Adding an op (lstm, conv2d, ...) is adding an
 * entry to {@link #TABLE}; the element-wise ops of {@link OpTable} are entries by their table names
 * (unary: input x, output y; binary: inputs a, b, output y).
 */
public final class ParityOps {

    /** Computes the named outputs of one op from its named inputs and attributes. */
    @FunctionalInterface
    public interface Op {
        Map<String, Tensor> apply(Map<String, Tensor> in, Map<String, Object> attrs);
    }

    /** Op name to implementation. */
    public static final Map<String, Op> TABLE;

    /** Ops that appear in the case format but have no implementation here yet (reported SKIP). */
    public static final Set<String> NOT_YET = Set.of();

    static {
        Map<String, Op> t = new LinkedHashMap<>();
        t.put("matmul", (in, a) -> Map.of("y", get(in, "a").matmul(get(in, "b"))));
        t.put("dense", ParityOps::dense);
        t.put("mean_squared_error", (in, a) -> Map.of("loss",
                new MeanSquaredError().compute(get(in, "y_true"), get(in, "y_pred"))));
        t.put("binary_crossentropy", ParityOps::binaryCrossentropy);
        t.put("sparse_categorical_crossentropy", ParityOps::sparseCategoricalCrossentropy);
        t.put("embedding", (in, a) -> Map.of("y", get(in, "embeddings").gather(get(in, "ids"))));
        t.put("conv2d", ParityOps::conv2d);
        t.put("max_pool2d", (in, a) -> Map.of("y", ConvOps.maxPool2d(get(in, "x"), intPair(a, "pool_size", null),
                intPair(a, "strides", null), stringAttr(a, "padding", "valid"))));
        t.put("avg_pool2d", (in, a) -> Map.of("y", ConvOps.avgPool2d(get(in, "x"), intPair(a, "pool_size", null),
                intPair(a, "strides", null), stringAttr(a, "padding", "valid"))));
        t.put("lstm", ParityOps::lstm);
        t.put("gru", ParityOps::gru);
        t.put("simple_rnn", ParityOps::simpleRnn);
        // every element-wise op of the tensor op table, by its table name: x -> y, or a, b -> y
        for (OpTable.Unary u : OpTable.unaries()) {
            t.putIfAbsent(u.name(), (in, a) -> Map.of("y", u.apply(get(in, "x"))));
        }
        for (OpTable.Binary b : OpTable.binaries()) {
            if (b.differentiable()) {
                t.putIfAbsent(b.name(), (in, a) -> Map.of("y", b.apply(get(in, "a"), get(in, "b"))));
            }
        }
        TABLE = Collections.unmodifiableMap(t);
    }

    private ParityOps() {
    }

    /** y = activation(x · kernel + bias); bias is optional (Keras's use_bias=False). */
    static Map<String, Tensor> dense(Map<String, Tensor> in, Map<String, Object> attrs) {
        Tensor z = get(in, "x").matmul(get(in, "kernel"));
        Tensor bias = in.get("bias");
        z = bias == null ? z : z.add(bias);
        String act = stringAttr(attrs, "activation", "linear");
        Tensor y;
        switch (act) {
            case "linear": y = z; break;
            case "relu": y = z.relu(); break;
            case "sigmoid": y = z.sigmoid(); break;
            case "tanh": y = z.tanh(); break;
            case "softmax": y = z.softmax(-1); break;
            default: throw new IllegalArgumentException("dense: unknown activation '" + act + "'");
        }
        return Map.of("y", y);
    }

    /**
     * y = conv2d(x, kernel) + bias (NHWC, kernel [kh,kw,C,K]); attrs strides (default [1,1]),
     * padding (default valid), dilation_rate (default [1,1]) and groups (default 1).
     */
    static Map<String, Tensor> conv2d(Map<String, Tensor> in, Map<String, Object> attrs) {
        int[] strides = intPair(attrs, "strides", new int[] {1, 1});
        int[] dilation = intPair(attrs, "dilation_rate", new int[] {1, 1});
        Object groups = attrs.getOrDefault("groups", 1L);
        if (!(groups instanceof Long)) {
            throw new IllegalArgumentException("attribute groups must be an integer, got " + groups);
        }
        Tensor y = ConvOps.conv2d(get(in, "x"), get(in, "kernel"), strides, stringAttr(attrs, "padding", "valid"),
                dilation, Math.toIntExact((Long) groups));
        Tensor bias = in.get("bias");
        return Map.of("y", bias == null ? y : y.add(bias));
    }

    /** An attribute [h, w] of integers (a single integer n means [n, n], as Keras). */
    static int[] intPair(Map<String, Object> attrs, String key, int[] def) {
        Object v = attrs.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof Long) {
            int n = Math.toIntExact((Long) v);
            return new int[] {n, n};
        }
        if (v instanceof List<?> list && list.size() == 2 && list.get(0) instanceof Long && list.get(1) instanceof Long) {
            return new int[] {Math.toIntExact((Long) list.get(0)), Math.toIntExact((Long) list.get(1))};
        }
        throw new IllegalArgumentException("attribute " + key + " must be an integer or a list of two integers, got " + v);
    }

    /** The library's BinaryCrossentropy (probabilities, or logits with from_logits = true). */
    static Map<String, Tensor> binaryCrossentropy(Map<String, Tensor> in, Map<String, Object> attrs) {
        Loss loss = new BinaryCrossentropy(boolAttr(attrs, "from_logits", false));
        return Map.of("loss", loss.compute(get(in, "y_true"), get(in, "y_pred")));
    }

    /** The library's SparseCategoricalCrossentropy of integer labels (from logits unless from_logits = false). */
    static Map<String, Tensor> sparseCategoricalCrossentropy(Map<String, Tensor> in, Map<String, Object> attrs) {
        Loss loss = new SparseCategoricalCrossentropy(boolAttr(attrs, "from_logits", true));
        return Map.of("loss", loss.compute(get(in, "labels"), get(in, "logits")));
    }

    /**
     * Keras LSTM (gate order ifco) over x [B,T,I] from h0, c0: outputs y, h (= h_T), c (= c_T). A case
     * without in.h0 or in.c0 starts from zeros, one without in.bias has none.
     */
    static Map<String, Tensor> lstm(Map<String, Tensor> in, Map<String, Object> attrs) {
        requireAttr(attrs, "gate_order", "ifco", "lstm");
        Tensor[] r = RecurrentOps.lstm(get(in, "x"), get(in, "kernel"), get(in, "recurrent_kernel"), in.get("bias"),
                in.get("h0"), in.get("c0"), boolAttr(attrs, "return_sequences", false));
        return Map.of("y", r[0], "h", r[1], "c", r[2]);
    }

    /** Keras GRU (reset_after, gate order zrh) over x [B,T,I] from h0 (zeros when absent): outputs y, h (= h_T). */
    static Map<String, Tensor> gru(Map<String, Tensor> in, Map<String, Object> attrs) {
        requireAttr(attrs, "gate_order", "zrh", "gru");
        if (!boolAttr(attrs, "reset_after", true)) {
            throw new UnsupportedOperationException("gru with reset_after=false");
        }
        Tensor[] r = RecurrentOps.gru(get(in, "x"), get(in, "kernel"), get(in, "recurrent_kernel"), in.get("bias"),
                in.get("h0"), boolAttr(attrs, "return_sequences", false));
        return Map.of("y", r[0], "h", r[1]);
    }

    /** Keras SimpleRNN (tanh) over x [B,T,I] from h0 (zeros when absent, as FORMAT.md's cases): output y. */
    static Map<String, Tensor> simpleRnn(Map<String, Tensor> in, Map<String, Object> attrs) {
        requireAttr(attrs, "activation", "tanh", "simple_rnn");
        Tensor[] r = RecurrentOps.simpleRnn(get(in, "x"), get(in, "kernel"), get(in, "recurrent_kernel"),
                in.get("bias"), in.get("h0"), boolAttr(attrs, "return_sequences", false));
        return Map.of("y", r[0]);
    }

    private static void requireAttr(Map<String, Object> attrs, String key, String expected, String op) {
        String v = stringAttr(attrs, key, expected);
        if (!v.equals(expected)) {
            throw new UnsupportedOperationException(op + " with " + key + "=" + v + " (only " + expected + ")");
        }
    }

    private static Tensor get(Map<String, Tensor> in, String name) {
        Tensor t = in.get(name);
        if (t == null) {
            throw new IllegalArgumentException("the case has no input in." + name + " (have " + in.keySet() + ")");
        }
        return t;
    }

    static String stringAttr(Map<String, Object> attrs, String key, String def) {
        Object v = attrs.get(key);
        if (v == null) {
            return def;
        }
        if (!(v instanceof String)) {
            throw new IllegalArgumentException("attribute " + key + " must be a string, got " + v);
        }
        return (String) v;
    }

    static boolean boolAttr(Map<String, Object> attrs, String key, boolean def) {
        Object v = attrs.get(key);
        if (v == null) {
            return def;
        }
        if (!(v instanceof Boolean)) {
            throw new IllegalArgumentException("attribute " + key + " must be true or false, got " + v);
        }
        return (Boolean) v;
    }
}
