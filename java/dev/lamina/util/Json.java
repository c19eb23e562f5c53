package dev.lamina.util;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.PrettyPrinter;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON parser and writer (RFC 8259), both through Jackson's streaming API (jackson-core).
 * Parsing uses Jackson's strict default mode, with a nesting limit (duplicate keys are caught here);
 * writing uses Jackson's generator with the layout Lamina's files have always had (a pretty printer
 * of two-space indentation and {@code "key": value}, control characters, U+2028/U+2029 and lone
 * surrogates escaped as lowercase <code>&#92;u</code> escapes: see {@link JsonEscapes}).
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
        return generate(value, false);
    }

    /** Pretty JSON: two-space indentation, one member or element per line. */
    public static String writePretty(Object value) {
        return generate(value, true);
    }

    /** The JSON string literal (with quotes) for {@code s}. */
    public static String quote(String s) {
        return generate(s, false);
    }

    /** Writes through Jackson's streaming generator; numbers and strings as {@code writeValue} says. */
    private static String generate(Object value, boolean pretty) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            g.setCharacterEscapes(JsonEscapes.USUAL);
            if (pretty) {
                g.setPrettyPrinter(new Layout());
            }
            writeValue(g, value, 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);   // a StringWriter does not fail
        }
        return w.toString();
    }

    private static void writeValue(JsonGenerator g, Object v, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new JsonException("cannot write JSON nested deeper than " + MAX_DEPTH + " (cycle?)");
        }
        if (v == null) {
            g.writeNull();
        } else if (v instanceof String) {
            writeString(g, (String) v, false);
        } else if (v instanceof Character) {
            writeString(g, v.toString(), false);
        } else if (v instanceof Boolean) {
            g.writeBoolean((Boolean) v);
        } else if (v instanceof Number) {
            writeNumber(g, (Number) v);
        } else if (v instanceof Map) {
            Map<?, ?> m = (Map<?, ?>) v;
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String)) {
                    throw new JsonException("JSON object keys must be strings, got " + e.getKey());
                }
                writeString(g, (String) e.getKey(), true);
                writeValue(g, e.getValue(), depth + 1);
            }
            g.writeEndObject();
        } else if (v instanceof Collection || v.getClass().isArray()) {
            g.writeStartArray();
            for (Object item : asList(v)) {
                writeValue(g, item, depth + 1);
            }
            g.writeEndArray();
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

    private static void writeNumber(JsonGenerator g, Number n) throws IOException {
        if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            if (!Double.isFinite(d)) {
                throw new JsonException("JSON cannot represent the number " + d);
            }
            // Jackson writes Double.toString / Float.toString (its fast writer is off): the shortest
            // string that reads back to the same value, with ".0" on integral values so that they read
            // back as Double, not Long
            if (n instanceof Float) {
                g.writeNumber(n.floatValue());
            } else {
                g.writeNumber(d);
            }
        } else if (n instanceof BigDecimal) {
            g.writeNumber((BigDecimal) n);
        } else if (n instanceof BigInteger) {
            g.writeNumber((BigInteger) n);
        } else if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte) {
            g.writeNumber(n.longValue());
        } else {
            g.writeNumber(n.toString());   // AtomicLong and the like: their decimal text
        }
    }

    /**
     * A string value or an object key. A string holding a lone surrogate (which UTF-8 cannot encode)
     * is written with every surrogate escaped; others keep their characters as they are.
     */
    private static void writeString(JsonGenerator g, String s, boolean key) throws IOException {
        boolean lone = JsonEscapes.hasLoneSurrogate(s);
        if (lone) {
            g.setCharacterEscapes(JsonEscapes.SURROGATES_TOO);
        }
        if (key) {
            g.writeFieldName(s);
        } else {
            g.writeString(s);
        }
        if (lone) {
            g.setCharacterEscapes(JsonEscapes.USUAL);
        }
    }

    /**
     * The pretty layout Lamina's files have always had: two-space indentation, one member or element
     * per line, {@code "key": value}, and {@code {}} / {@code []} for empty containers (Jackson's
     * default pretty printer writes {@code " : "}, {@code "{ }"} and arrays on one line).
     */
    private static final class Layout implements PrettyPrinter {
        private int depth;

        private void newline(JsonGenerator g) throws IOException {
            g.writeRaw('\n');
            for (int i = 0; i < depth; i++) {
                g.writeRaw("  ");
            }
        }

        @Override
        public void writeRootValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(' ');
        }

        @Override
        public void writeStartObject(JsonGenerator g) throws IOException {
            g.writeRaw('{');
            depth++;
        }

        @Override
        public void writeEndObject(JsonGenerator g, int entries) throws IOException {
            depth--;
            if (entries > 0) {
                newline(g);
            }
            g.writeRaw('}');
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            g.writeRaw(',');
            newline(g);
        }

        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeStartArray(JsonGenerator g) throws IOException {
            g.writeRaw('[');
            depth++;
        }

        @Override
        public void writeEndArray(JsonGenerator g, int values) throws IOException {
            depth--;
            if (values > 0) {
                newline(g);
            }
            g.writeRaw(']');
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(',');
            newline(g);
        }

        @Override
        public void beforeArrayValues(JsonGenerator g) throws IOException {
            newline(g);
        }

        @Override
        public void beforeObjectEntries(JsonGenerator g) throws IOException {
            newline(g);
        }
    }
}
