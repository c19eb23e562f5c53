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
}
