package dev.lamina.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

    @Test
    void parsesAllValueKinds() {
        Map<String, Object> m = Json.parseObject(
                " {\"a\": 1, \"b\": -2.5e3, \"c\": \"x\\n\\u00e9\\\"\", \"d\": [true, false, null], \"e\": {}} ");
        assertEquals(List.of("a", "b", "c", "d", "e"), List.copyOf(m.keySet()));
        assertEquals(1L, m.get("a"));
        assertEquals(-2500.0, m.get("b"));
        assertEquals("x\né\"", m.get("c"));
        assertEquals(Arrays.asList(true, false, null), m.get("d"));
        assertEquals(Map.of(), m.get("e"));
        assertNull(Json.parse("null"));
        assertEquals(0L, Json.parse("0"));
        assertEquals(-0.0, Json.parse("-0.0"));
        assertEquals(1.0, Json.parse("1.0"));
        assertEquals(List.of(), Json.parse("[ ]"));
    }

    @Test
    void integersBeyondLongBecomeDoubles() {
        assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
        assertInstanceOf(Double.class, Json.parse("9223372036854775808"));
        assertEquals("\uD83D\uDE00", Json.parse("\"\\ud83d\\ude00\""));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", " ", "{", "}", "[1,]", "[1 2]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{\"a\":1}x", "1 2",
        "\"abc", "\"\\x\"", "\"\\u12g4\"", "\"\\u12\"", "\"a\tb\"", "01", "-", "1.", ".5", "1e", "+1",
        "tru", "nul", "NaN", "Infinity", "-Infinity", "{\"a\":1,\"a\":2}", "'a'", "1e999", "[", "[\"\\",
        "{\"a\":{\"b\":1,\"b\":1}}"
    })
    void rejectsMalformed(String text) {
        assertThrows(Json.JsonException.class, () -> Json.parse(text), text);
    }

    @Test
    void depthLimit() {
        String ok = "[".repeat(512) + "]".repeat(512);
        Json.parse(ok);
        String deep = "[".repeat(513) + "]".repeat(513);
        assertThrows(Json.JsonException.class, () -> Json.parse(deep));
        String deepObj = "{\"a\":".repeat(513) + "1" + "}".repeat(513);
        assertThrows(Json.JsonException.class, () -> Json.parse(deepObj));
        // far deeper than the stack would allow must still be a clean error
        assertThrows(Json.JsonException.class, () -> Json.parse("[".repeat(100_000)));
    }

    @Test
    void writesCompactAndPrettyDeterministically() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("z", 1);
        m.put("a", List.of(1.5, "q\"\\\n\u0001\u2028", true));
        m.put("n", null);
        m.put("e", Map.of());
        m.put("arr", new int[] {1, 2});
        assertEquals("{\"z\":1,\"a\":[1.5,\"q\\\"\\\\\\n\\u0001\\u2028\",true],\"n\":null,\"e\":{},\"arr\":[1,2]}",
                Json.write(m));
        String pretty = Json.writePretty(m);
        assertTrue(pretty.contains("\n  \"a\": [\n    1.5,"), pretty);
        assertEquals(Json.parse(Json.write(m)), Json.parse(pretty));
    }

    @Test
    void roundTripsValues() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("d", 0.1);
        m.put("tiny", 4.9e-324);
        m.put("big", 1.7976931348623157e308);
        m.put("int", 12345678901234L);
        m.put("whole", 3.0);
        m.put("s", "\u00e9\u4e2d\uD83D\uDE00 \\/ \"");
        Object back = Json.parse(Json.write(m));
        assertEquals(m, back);
        assertInstanceOf(Double.class, ((Map<?, ?>) back).get("whole"));
    }

    @Test
    void writerRejectsNonFiniteAndOddTypes() {
        assertThrows(Json.JsonException.class, () -> Json.write(Double.NaN));
        assertThrows(Json.JsonException.class, () -> Json.write(List.of(Double.POSITIVE_INFINITY)));
        assertThrows(Json.JsonException.class, () -> Json.write(Float.NEGATIVE_INFINITY));
        assertThrows(Json.JsonException.class, () -> Json.write(new Object()));
        assertThrows(Json.JsonException.class, () -> Json.write(Map.of(1, 2)));
    }

    @Test
    void loneSurrogatesAreEscaped() {
        String s = Json.write("a\uD800b");
        assertEquals("\"a\\ud800b\"", s);
        assertEquals("a\uD800b", Json.parse(s));
    }

    /** The pretty layout, byte for byte (the files Lamina wrote before Jackson wrote them look the same). */
    @Test
    void prettyLayoutIsFixed() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "dense");
        m.put("shape", List.of(2L, 3L));
        m.put("empty", List.of());
        m.put("none", new LinkedHashMap<>());
        m.put("nested", Map.of("rate", 0.5));
        assertEquals("{\n  \"name\": \"dense\",\n  \"shape\": [\n    2,\n    3\n  ],\n  \"empty\": [],\n  \"none\": {},\n"
                + "  \"nested\": {\n    \"rate\": 0.5\n  }\n}", Json.writePretty(m));
        assertEquals("[]", Json.writePretty(List.of()));
        assertEquals("\"x\"", Json.writePretty("x"));
    }

    /** Every finite double and float reads back bit for bit, written as Double/Float.toString writes it. */
    @Test
    void doublesRoundTripExactly() {
        java.util.Random r = new java.util.Random(11);
        List<Double> ds = new java.util.ArrayList<>(List.of(0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MAX_VALUE,
                Double.MIN_NORMAL, 0.1, 1.0 / 3, 1e-5, 1e21, 123456789012345678.0, 2.0, -7.0));
        for (int i = 0; i < 20_000; i++) {
            double d = Double.longBitsToDouble(r.nextLong());
            if (Double.isFinite(d)) {
                ds.add(d);
            }
            ds.add(r.nextGaussian() * Math.pow(10, r.nextInt(30) - 15));
        }
        String text = Json.write(ds);
        List<?> back = (List<?>) Json.parse(text);
        assertEquals(ds.size(), back.size());
        for (int i = 0; i < ds.size(); i++) {
            assertEquals(Double.doubleToRawLongBits(ds.get(i)), Double.doubleToRawLongBits((Double) back.get(i)), "element " + i);
        }
        assertEquals(Double.toString(0.1) + "," + Double.toString(1e-5), Json.write(List.of(0.1, 1e-5)).replaceAll("[\\[\\]]", ""));
        for (int i = 0; i < 2_000; i++) {
            float f = Float.intBitsToFloat(r.nextInt());
            if (Float.isFinite(f)) {
                assertEquals(Float.toString(f), Json.write(f));
                assertEquals(f, ((Double) Json.parse(Json.write(f))).floatValue());
            }
        }
        assertEquals("12345678901234567890123", Json.write(new java.math.BigInteger("12345678901234567890123")));
        assertEquals("1.50", Json.write(new java.math.BigDecimal("1.50")));
        assertEquals("7", Json.write(new java.util.concurrent.atomic.AtomicLong(7)));
        assertEquals("-3", Json.write((short) -3));
    }

    /** Every character reads back; control characters, U+2028/9 and lone surrogates are escaped, the rest kept. */
    @Test
    void unicodeAndEscaping() {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < Character.MIN_SURROGATE; c++) {
            all.append(c);
        }
        for (char c = (char) (Character.MAX_SURROGATE + 1); c != 0; c++) {
            all.append(c);
        }
        all.appendCodePoint(0x1F600).appendCodePoint(0x10FFFF);
        String s = all.toString();
        String text = Json.write(Map.of(s, s));
        assertEquals(Map.of(s, s), Json.parse(text));
        assertTrue(text.contains("\uD83D\uDE00"), "paired surrogates stay raw");
        assertEquals("\"\\u0000\\u001f\\b\\t\\n\\f\\r\\\"\\\\/\u007f\\u2028\\u2029\u00e9\"",
                Json.write("\u0000\u001f\b\t\n\f\r\"\\/\u007f\u2028\u2029\u00e9"));
        // a string with a lone surrogate: every surrogate escaped (UTF-8 cannot carry the lone one raw)
        String lone = "a\uDC00b\uD83D\uDE00";
        assertEquals("\"a\\udc00b\\ud83d\\ude00\"", Json.write(lone));
        assertEquals(lone, Json.parse(Json.write(lone)));
        // keys are escaped the same way (Jackson's parser refuses a lone surrogate in a key, so no round trip)
        assertEquals("{\"\\udc00\":1}", Json.write(Map.of("\uDC00", 1)));
        // the escapes for one string do not leak into the next
        assertEquals("[\"\\udc00\",\"\uD83D\uDE00\"]", Json.write(List.of("\uDC00", "\uD83D\uDE00")));
        assertEquals("\"q\\\"\"", Json.quote("q\""));
    }
}
