package dev.lamina.util;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON parser and writer (RFC 8259). Parsing goes through Jackson's streaming parser
 * (jackson-core) in its strict default mode, with a nesting limit (duplicate keys are caught here);
 * writing is done here, so that the files Lamina writes keep their exact layout.
 *
 * <p>Parsing maps JSON values to Java as follows: object to {@code LinkedHashMap<String, Object>}
 * (document order), array to {@code ArrayList<Object>}, string to {@link String}, number to
 * {@link Long} when it is an integer literal (no fraction, no exponent) that fits a long, else to
 * {@link Double}, {@code true}/{@code false} to {@link Boolean}, {@code null} to {@code null}.
 * The parser rejects trailing garbage, invalid escapes, unescaped control characters, leading
 * zeros, nesting deeper than {@value #MAX_DEPTH} and duplicate object keys (&#92;u escapes
 * of lone surrogates are kept as-is, as Java strings allow them). Every failure is a {@link JsonException}
 * naming the character offset.
 *
 * <p>Writing accepts the same types, plus any {@link Number}, {@link Map} with string keys (in
 * the map's iteration order, so a {@link LinkedHashMap} gives a deterministic order),
 * {@link Collection}, and primitive arrays. Non-finite numbers are rejected.
 */
public final class Json {
    /** Deepest nesting of arrays and objects the parser accepts. */
    public static final int MAX_DEPTH = 512;

    /** Longest string or object key the parser accepts (the safetensors header limit). */
    private static final int MAX_TEXT_CHARS = 100_000_000;

    private Json() {
    }

    /** A JSON syntax or value error. */
    public static final class JsonException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public JsonException(String message) {
            super(message);
        }
    }

    // ---- parsing -----------------------------------------------------------------------------

    /** Parses one JSON document (surrounding whitespace allowed, nothing else). */
    public static Object parse(String text) {
        if (text == null) {
            throw new JsonException("JSON text is null");
        }
        JsonParser p;
        try {
            p = FACTORY.createParser(text);
        } catch (IOException e) {
            throw new JsonException("invalid JSON: " + e.getMessage());
        }
        try (p) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new JsonException("invalid JSON at offset " + text.length() + ": no value");
            }
            Object v = value(p, first);
            if (p.nextToken() != null) {
                throw new JsonException("invalid JSON at offset " + offset(p) + ": unexpected trailing characters");
            }
            return v;
        } catch (JsonProcessingException e) {
            // syntax errors and the nesting limit (a StreamConstraintsException, without a location)
            long at = e.getLocation() != null ? e.getLocation().getCharOffset() : p.currentLocation().getCharOffset();
            String msg = e.getOriginalMessage().replace('\n', ' ');
            int marker = msg.indexOf(" (start marker at ");
            throw new JsonException("invalid JSON at offset " + at + ": " + (marker < 0 ? msg : msg.substring(0, marker)));
        } catch (IOException e) {
            throw new JsonException("invalid JSON: " + e.getMessage());
        }
    }

    /** Parses a document that must be a JSON object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object v = parse(text);
        if (!(v instanceof Map)) {
            throw new JsonException("expected a JSON object, got " + typeName(v));
        }
        return (Map<String, Object>) v;
    }

    /** "object", "array", "string", "number", "boolean" or "null". */
    public static String typeName(Object v) {
        if (v == null) {
            return "null";
        } else if (v instanceof Map) {
            return "object";
        } else if (v instanceof List) {
            return "array";
        } else if (v instanceof String) {
            return "string";
        } else if (v instanceof Number) {
            return "number";
        } else if (v instanceof Boolean) {
            return "boolean";
        }
        return v.getClass().getSimpleName();
    }

    /**
     * Jackson's strict defaults reject comments, single quotes, unquoted names, NaN/Infinity,
     * leading zeros and plus signs, unescaped control characters and bad escapes; on top: nesting
     * deeper than {@link #MAX_DEPTH} (duplicate keys are rejected in {@code value}). Strings and names may be as long as a
     * safetensors header (Jackson's defaults would refuse strings over 20 M and names over 50 k
     * characters, which the hand-written parser before it accepted); numbers keep Jackson's limit
     * of 1000 digits.
     */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    .maxStringLength(MAX_TEXT_CHARS)
                    .maxNameLength(MAX_TEXT_CHARS)
                    .build())
            .build();


    private static long offset(JsonParser p) {
        return p.currentTokenLocation().getCharOffset();
    }

    /** The value that starts at token {@code t} (depth is bounded by the parser's constraint). */
    private static Object value(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case START_OBJECT: {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    if (m.containsKey(key)) {
                        throw new JsonException("invalid JSON at offset " + offset(p) + ": duplicate key " + quote(key));
                    }
                    m.put(key, value(p, p.nextToken()));
                }
                return m;   // at END_OBJECT: any other token is a parse error raised by nextToken
            }
            case START_ARRAY: {
                List<Object> a = new ArrayList<>();
                JsonToken e;
                while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                    a.add(value(p, e));
                }
                return a;
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                if (p.getNumberType() == JsonParser.NumberType.INT || p.getNumberType() == JsonParser.NumberType.LONG) {
                    return p.getLongValue();
                }
                return finite(p, p.getDoubleValue());   // an integer literal beyond long: a double
            case VALUE_NUMBER_FLOAT:
                return finite(p, p.getDoubleValue());
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new JsonException("invalid JSON at offset " + offset(p) + ": unexpected " + t);
        }
    }

    private static Double finite(JsonParser p, double d) throws IOException {
        if (!Double.isFinite(d)) {
            throw new JsonException("invalid JSON at offset " + offset(p) + ": number out of range: " + p.getValueAsString());
        }
        return d;
    }

    // ---- writing -----------------------------------------------------------------------------

    /** Compact JSON: no whitespace between tokens. */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, false, 0, 0);
        return sb.toString();
    }

    /** Pretty JSON: two-space indentation, one member or element per line. */
    public static String writePretty(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, true, 0, 0);
        return sb.toString();
    }

    /** The JSON string literal (with quotes) for {@code s}. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        writeString(sb, s);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, boolean pretty, int indent, int depth) {
        if (depth > MAX_DEPTH) {
            throw new JsonException("cannot write JSON nested deeper than " + MAX_DEPTH + " (cycle?)");
        }
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String) {
            writeString(sb, (String) v);
        } else if (v instanceof Character) {
            writeString(sb, v.toString());
        } else if (v instanceof Boolean) {
            sb.append(v.toString());
        } else if (v instanceof Number) {
            writeNumber(sb, (Number) v);
        } else if (v instanceof Map) {
            Map<?, ?> m = (Map<?, ?>) v;
            if (m.isEmpty()) {
                sb.append("{}");
                return;
            }
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String)) {
                    throw new JsonException("JSON object keys must be strings, got " + e.getKey());
                }
                if (!first) {
                    sb.append(',');
                }
                first = false;
                newline(sb, pretty, indent + 1);
                writeString(sb, (String) e.getKey());
                sb.append(pretty ? ": " : ":");
                write(sb, e.getValue(), pretty, indent + 1, depth + 1);
            }
            newline(sb, pretty, indent);
            sb.append('}');
        } else if (v instanceof Collection || v.getClass().isArray()) {
            List<Object> items = asList(v);
            if (items.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            boolean first = true;
            for (Object item : items) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                newline(sb, pretty, indent + 1);
                write(sb, item, pretty, indent + 1, depth + 1);
            }
            newline(sb, pretty, indent);
            sb.append(']');
        } else {
            throw new JsonException("cannot write a " + v.getClass().getName() + " as JSON");
        }
    }

    private static List<Object> asList(Object v) {
        if (v instanceof Collection) {
            return new ArrayList<>((Collection<?>) v);
        }
        int n = java.lang.reflect.Array.getLength(v);
        List<Object> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(java.lang.reflect.Array.get(v, i));
        }
        return out;
    }

    private static void newline(StringBuilder sb, boolean pretty, int indent) {
        if (pretty) {
            sb.append('\n');
            for (int i = 0; i < indent; i++) {
                sb.append("  ");
            }
        }
    }

    private static void writeNumber(StringBuilder sb, Number n) {
        if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            if (!Double.isFinite(d)) {
                throw new JsonException("JSON cannot represent the number " + d);
            }
            // Double.toString is the shortest string that reads back to the same double, and keeps
            // ".0" on integral values so they read back as Double, not Long
            sb.append(n instanceof Float ? Float.toString(n.floatValue()) : Double.toString(d));
        } else if (n instanceof BigDecimal) {
            sb.append(((BigDecimal) n).toString());
        } else {
            sb.append(n.toString());
        }
    }

    private static void writeString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                case '\b': sb.append("\\b"); break;
                case '\f': sb.append("\\f"); break;
                default:
                    if (c < 0x20 || c == 0x2028 || c == 0x2029 || Character.isSurrogate(c) && !validSurrogateAt(s, i)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }

    /** True when s[i] is half of a properly paired surrogate. */
    private static boolean validSurrogateAt(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
