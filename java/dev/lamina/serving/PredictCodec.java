package dev.lamina.serving;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

/**
 * TensorFlow Serving's predict request and response bodies, for a model of one input and one output.
 *
 * <p>Requests: the row format {@code {"instances": [I1, I2, ...]}}, where each instance is a nested
 * array of the input's sample shape (or {@code {"INPUT_NAME": array}}), or the columnar format
 * {@code {"inputs": A}} with A a nested array of shape [n, sample shape...] (or
 * {@code {"INPUT_NAME": A}}); an optional {@code "signature_name"} must be {@code serving_default}.
 * Every leaf must be a finite number that stays finite as a float32. Responses:
 * {@code {"predictions": [O1, O2, ...]}} for the row format, {@code {"outputs": O}} for the
 * columnar one, the output values written as float32 (the shortest decimal that reads back to the
 * same float).
 */
final class PredictCodec {
    /** The signature name TensorFlow Serving uses by default. */
    static final String SIGNATURE = "serving_default";

    private PredictCodec() {
    }

    /** Parsed instances: {@code rows} instances of {@code sampleShape}, row-major in {@code data}. */
    record Instances(float[] data, long[] sampleShape, int rows, boolean columnar) {
    }

    /** Reads a predict request body (already parsed JSON) for a model of the given input. */
    static Instances parse(JsonNode root, String inputName, long[] inputShape) {
        if (root == null || !root.isObject()) {
            throw ServingException.badRequest("the request body must be a JSON object with \"instances\" or \"inputs\"");
        }
        JsonNode sig = root.get("signature_name");
        if (sig != null && !(sig.isTextual() && sig.textValue().equals(SIGNATURE))) {
            throw ServingException.badRequest("Serving signature name: " + sig + " not found in signature def (this model has \""
                    + SIGNATURE + "\" only)");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("instances") && !f.equals("inputs") && !f.equals("signature_name")) {
                throw ServingException.badRequest("unknown field \"" + f + "\" (a predict request has \"instances\" or \"inputs\", "
                        + "and optionally \"signature_name\")");
            }
        }
        JsonNode instances = root.get("instances");
        JsonNode inputs = root.get("inputs");
        if ((instances == null) == (inputs == null)) {
            throw ServingException.badRequest("a predict request has exactly one of \"instances\" (row format) or \"inputs\" "
                    + "(columnar format)" + (instances != null ? ", not both" : ""));
        }
        if (instances != null) {
            if (!instances.isArray() || instances.isEmpty()) {
                throw ServingException.badRequest("\"instances\" must be a non-empty list, got " + describe(instances));
            }
            int n = instances.size();
            JsonNode[] values = new JsonNode[n];
            for (int i = 0; i < n; i++) {
                values[i] = unwrapNamed(instances.get(i), inputName, "instances[" + i + "]");
            }
            long[] shape = resolveShape(values[0], inputShape, "instances[0]", 0);
            return new Instances(read(values, shape, "instances"), shape, n, false);
        }
        JsonNode a = unwrapNamed(inputs, inputName, "inputs");
        if (!a.isArray() || a.isEmpty()) {
            throw ServingException.badRequest("\"inputs\" must be a non-empty list of instances (shape [n"
                    + dims(inputShape, ", ") + "]), got " + describe(a));
        }
        JsonNode[] values = new JsonNode[a.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = a.get(i);
        }
        long[] shape = resolveShape(values[0], inputShape, "inputs[0]", 0);
        return new Instances(read(values, shape, "inputs"), shape, values.length, true);
    }

    /** {"name": value} to value when the object's only key is the input's name. */
    private static JsonNode unwrapNamed(JsonNode v, String inputName, String where) {
        if (!v.isObject()) {
            return v;
        }
        if (v.size() == 1 && v.has(inputName)) {
            return v.get(inputName);
        }
        StringBuilder keys = new StringBuilder();
        v.fieldNames().forEachRemaining(k -> keys.append(keys.length() == 0 ? "" : ", ").append(k));
        throw ServingException.badRequest(where + ": named inputs must be {\"" + inputName + "\": ...} (this model's one input), got keys ["
                + keys + "]");
    }

    /** The shape of one instance: the model's sample shape, its -1 dimensions taken from {@code v}. */
    private static long[] resolveShape(JsonNode v, long[] expected, String where, int depth) {
        long[] shape = expected.clone();
        JsonNode cur = v;
        for (int d = 0; d < shape.length; d++) {
            if (!cur.isArray()) {
                throw shapeError(where, expected, v);
            }
            if (shape[d] < 0) {
                if (cur.isEmpty()) {
                    throw ServingException.badRequest(where + ": dimension " + d + " is empty");
                }
                shape[d] = cur.size();
            }
            if (cur.size() != shape[d] || cur.isEmpty()) {
                throw shapeError(where, expected, v);
            }
            cur = cur.get(0);
        }
        return shape;
    }

    private static float[] read(JsonNode[] values, long[] shape, String what) {
        long per = 1;
        for (long d : shape) {
            per *= d;
        }
        long total = per * values.length;
        if (total > Integer.MAX_VALUE - 8) {
            throw ServingException.badRequest("\"" + what + "\" holds too many numbers (" + total + ")");
        }
        float[] out = new float[(int) total];
        int[] at = {0};
        int[] index = new int[shape.length + 1];
        for (int i = 0; i < values.length; i++) {
            index[0] = i;
            fill(values[i], shape, 0, out, at, index, what);
        }
        return out;
    }

    private static void fill(JsonNode v, long[] shape, int depth, float[] out, int[] at, int[] index, String what) {
        if (depth == shape.length) {
            if (v.isArray()) {
                throw ServingException.badRequest("wrong shape at " + where(what, index, depth) + ": expected a number, got "
                        + describe(v) + " (instance shape " + Arrays.toString(shape) + ")");
            }
            if (!v.isNumber()) {
                throw ServingException.badRequest("wrong type at " + where(what, index, depth) + ": expected a number (DT_FLOAT), got "
                        + describe(v));
            }
            float f = v.floatValue();
            if (!Float.isFinite(f)) {
                throw ServingException.badRequest("non-finite number at " + where(what, index, depth) + ": " + v.asText()
                        + (Double.isFinite(v.doubleValue()) ? " (out of float32 range)" : ""));
            }
            out[at[0]++] = f;
            return;
        }
        if (!v.isArray() || v.size() != shape[depth]) {
            throw ServingException.badRequest("wrong shape at " + where(what, index, depth) + ": expected a list of " + shape[depth]
                    + (v.isArray() ? ", got a list of " + v.size() : ", got " + describe(v)) + " (instance shape "
                    + Arrays.toString(shape) + ")");
        }
        for (int i = 0; i < v.size(); i++) {
            index[depth + 1] = i;
            fill(v.get(i), shape, depth + 1, out, at, index, what);
        }
    }

    private static String where(String what, int[] index, int depth) {
        StringBuilder sb = new StringBuilder(what);
        for (int d = 0; d <= depth; d++) {
            sb.append('[').append(index[d]).append(']');
        }
        return sb.toString();
    }

    private static ServingException shapeError(String where, long[] expected, JsonNode got) {
        return ServingException.badRequest("wrong shape at " + where + ": the model takes instances of shape "
                + Arrays.toString(expected).replace("-1", "any") + ", got " + describe(got));
    }

    /** A short description of a JSON value for error messages. */
    static String describe(JsonNode v) {
        if (v == null || v.isNull()) {
            return "null";
        }
        if (v.isArray()) {
            int depth = 0;
            StringBuilder dims = new StringBuilder();
            JsonNode cur = v;
            while (cur.isArray() && depth < 8) {
                dims.append(depth == 0 ? "" : ", ").append(cur.size());
                if (cur.isEmpty()) {
                    break;
                }
                cur = cur.get(0);
                depth++;
            }
            return "a nested list of shape [" + dims + "]";
        }
        if (v.isObject()) {
            return "an object";
        }
        if (v.isTextual()) {
            String t = v.textValue();
            return "the string \"" + (t.length() > 20 ? t.substring(0, 20) + "..." : t) + "\"";
        }
        if (v.isBoolean()) {
            return "the boolean " + v.booleanValue();
        }
        return "the number " + v.asText();
    }

    private static String dims(long[] shape, String sep) {
        StringBuilder sb = new StringBuilder();
        for (long d : shape) {
            sb.append(sep).append(d < 0 ? "any" : Long.toString(d));
        }
        return sb.toString();
    }

    /** Writes {@code {"predictions": ...}} (row format) or {@code {"outputs": ...}} (columnar). */
    static void writeResponse(JsonGenerator g, double[] out, int rows, long[] outputShape, boolean columnar) throws IOException {
        int per = out.length / rows;
        long[] shape = outputShape;
        long known = 1;
        for (long d : shape) {
            known = d < 0 ? -1 : known * d;
        }
        if (known != per) {
            shape = new long[] {per};  // shape depends on the input: one flat list per instance
        }
        g.writeStartObject();
        g.writeFieldName(columnar ? "outputs" : "predictions");
        g.writeStartArray();
        int[] at = {0};
        for (int r = 0; r < rows; r++) {
            writeNested(g, out, at, shape, 0);
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void writeNested(JsonGenerator g, double[] out, int[] at, long[] shape, int depth) throws IOException {
        if (depth == shape.length) {
            g.writeNumber((float) out[at[0]++]);
            return;
        }
        g.writeStartArray();
        for (long i = 0; i < shape[depth]; i++) {
            writeNested(g, out, at, shape, depth + 1);
        }
        g.writeEndArray();
    }

    /** TensorFlow's tensor_shape JSON: {"dim": [{"size": "-1", "name": ""}, ...], "unknown_rank": false}. */
    static Map<String, Object> tensorShape(long[] batchShape) {
        java.util.List<Object> dims = new java.util.ArrayList<>();
        for (long d : batchShape) {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("size", Long.toString(d));
            m.put("name", "");
            dims.add(m);
        }
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("dim", dims);
        m.put("unknown_rank", false);
        return m;
    }
}
