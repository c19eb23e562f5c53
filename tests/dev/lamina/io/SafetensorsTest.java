package dev.lamina.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lamina.types.DType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SafetensorsTest {
    /** The cases shipped in data/parity/cases, else the shared folder beside the repository. */
    static final Path CASES = Files.isDirectory(Paths.get("data", "parity", "cases"))
            ? Paths.get("data", "parity", "cases") : Paths.get("..", "shared", "parity", "cases");

    @TempDir
    Path tmp;

    static Map<String, HostTensor> allDtypes() {
        Map<String, HostTensor> m = new LinkedHashMap<>();
        m.put("f32", HostTensor.ofFloats(new float[] {1.5f, -0f, Float.MIN_VALUE, Float.NaN, 3, 4}, 2, 3));
        m.put("f64", HostTensor.ofDoubles(new double[] {Math.PI, -1e300}, 2));
        m.put("i32", HostTensor.ofInts(new int[] {Integer.MIN_VALUE, 7, Integer.MAX_VALUE}, 3, 1));
        m.put("i64", HostTensor.ofLongs(new long[] {Long.MIN_VALUE, 42}, 1, 2));
        m.put("bool", HostTensor.ofBooleans(new boolean[] {true, false, true}, 3));
        m.put("scalar", HostTensor.ofDoubles(new double[] {2.5}));
        m.put("empty", HostTensor.ofFloats(new float[0], 0, 4));
        return m;
    }

    @Test
    void roundTripsEveryDtypeAndMetadata() throws IOException {
        Map<String, HostTensor> in = allDtypes();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("op", "matmul");
        meta.put("attrs", "{\"x\": [1, 2]}");
        meta.put("unicode", "é中\n");
        Path f = tmp.resolve("all.safetensors");
        Safetensors.write(f, in, meta);
        SafetensorsFile back = Safetensors.read(f);
        assertEquals(List.copyOf(in.keySet()), List.copyOf(back.tensors().keySet()));
        for (String k : in.keySet()) {
            HostTensor a = in.get(k);
            HostTensor b = back.get(k);
            assertEquals(a.dtype(), b.dtype(), k);
            assertArrayEquals(a.shape(), b.shape(), k);
            assertEquals(a.data(), b.data(), k);
            assertEquals(a, b, k);
        }
        assertEquals(meta, back.metadata());
        assertArrayEquals(new int[] {Integer.MIN_VALUE, 7, Integer.MAX_VALUE}, back.get("i32").toIntArray());
        assertArrayEquals(new long[] {Long.MIN_VALUE, 42}, back.get("i64").toLongArray());
        assertArrayEquals(new double[] {1, 0, 1}, back.get("bool").toDoubleArray());
        assertEquals(0, back.get("scalar").rank());

        byte[] bytes = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, n % 8, "header padded to a multiple of 8");
        byte last = bytes[(int) (8 + n - 1)];
        assertTrue(last == ' ' || last == '}', "header ends in the object or space padding");
        // same input, same bytes
        assertArrayEquals(bytes, Safetensors.toBytes(in, meta));
        // no temporary files left behind
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(f.getFileName().toString()),
                    s.map(p -> p.getFileName().toString()).collect(Collectors.toList()));
        }
        // overwriting replaces the file
        Safetensors.write(f, Map.of("x", HostTensor.ofInts(new int[] {1}, 1)));
        SafetensorsFile again = Safetensors.read(f);
        assertEquals(List.of("x"), List.copyOf(again.tensors().keySet()));
        assertTrue(again.metadata().isEmpty());
    }

    @Test
    void emptyFileOfNoTensors() {
        SafetensorsFile f = Safetensors.read(Safetensors.toBytes(Map.of(), Map.of()), "e");
        assertTrue(f.tensors().isEmpty());
    }

    @Test
    void halfPrecisionKnownValues() {
        assertEquals(1.0f, Safetensors.halfToFloat((short) 0x3C00));
        assertEquals(-2.0f, Safetensors.halfToFloat((short) 0xC000));
        assertEquals(65504f, Safetensors.halfToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, Safetensors.halfToFloat((short) 0x0001)); // smallest subnormal
        assertEquals(0x3ffp-24f, Safetensors.halfToFloat((short) 0x03FF)); // largest subnormal
        assertEquals(0x1p-14f, Safetensors.halfToFloat((short) 0x0400)); // smallest normal
        assertEquals(Float.POSITIVE_INFINITY, Safetensors.halfToFloat((short) 0x7C00));
        assertEquals(Float.NEGATIVE_INFINITY, Safetensors.halfToFloat((short) 0xFC00));
        assertTrue(Float.isNaN(Safetensors.halfToFloat((short) 0x7E00)));
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(Safetensors.halfToFloat((short) 0x8000)));
        assertEquals(0.333251953125f, Safetensors.halfToFloat((short) 0x3555));

        assertEquals(1.0f, Safetensors.bfloat16ToFloat((short) 0x3F80));
        assertEquals(-2.0f, Safetensors.bfloat16ToFloat((short) 0xC000));
        assertEquals(Float.POSITIVE_INFINITY, Safetensors.bfloat16ToFloat((short) 0x7F80));
        assertEquals(Float.intBitsToFloat(0x00010000), Safetensors.bfloat16ToFloat((short) 0x0001)); // subnormal
        assertTrue(Float.isNaN(Safetensors.bfloat16ToFloat((short) 0x7FC0)));
    }

    /** A hand-made file: header JSON and raw data. */
    static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    static byte[] shorts(int... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) {
            b.putShort((short) x);
        }
        return b.array();
    }

    @Test
    void readsF16AndBf16AsFloat32() {
        byte[] f = file("{\"h\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[8,14]}}",
                concat(shorts(0x3C00, 0xC000, 0x0001, 0x7C00), shorts(0x3F80, 0xC000, 0xFF80)));
        SafetensorsFile st = Safetensors.read(f, "half");
        HostTensor h = st.get("h");
        assertEquals(DType.FLOAT32, h.dtype());
        assertEquals("F16", h.fileDtype());
        assertArrayEquals(new long[] {2, 2}, h.shape());
        assertArrayEquals(new float[] {1f, -2f, 0x1p-24f, Float.POSITIVE_INFINITY}, h.toFloatArray());
        HostTensor b = st.get("b");
        assertEquals("BF16", b.fileDtype());
        assertArrayEquals(new float[] {1f, -2f, Float.NEGATIVE_INFINITY}, b.toFloatArray());
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static Stream<Arguments> malformed() {
        byte[] d8 = new byte[8];
        String t = "\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        return Stream.of(
            Arguments.of("too short", new byte[] {1, 0, 0}, "too short"),
            Arguments.of("header longer than file", withLength(file("{" + t + "}", d8), 10_000), "larger than"),
            Arguments.of("header over 100MB", withLength(file("{" + t + "}", d8), 200_000_000L), "exceeds"),
            Arguments.of("header length negative as signed", withLength(file("{}", new byte[0]), -1L), "exceeds"),
            Arguments.of("invalid json", file("{\"t\":", d8), "not valid JSON"),
            Arguments.of("trailing garbage", file("{" + t + "}x", d8), "not valid JSON"),
            Arguments.of("not an object", file("[1,2]", new byte[0]), "start with '{'"),
            Arguments.of("bad utf8", concat(withLength(new byte[8], 3), new byte[] {'{', (byte) 0xff, '}'}), "UTF-8"),
            Arguments.of("entry not object", file("{\"t\":3}", new byte[0]), "not an object"),
            Arguments.of("missing dtype", file("{\"t\":{\"shape\":[2],\"data_offsets\":[0,8]}}", d8), "missing dtype"),
            Arguments.of("unknown dtype", file("{\"t\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,8]}}", d8), "unknown"),
            Arguments.of("dtype not string", file("{\"t\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", d8), "not a string"),
            Arguments.of("missing shape", file("{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", d8), "missing shape"),
            Arguments.of("negative dim", file("{\"t\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", d8), "negative"),
            Arguments.of("fractional dim", file("{\"t\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", d8), "not an integer"),
            Arguments.of("float dim", file("{\"t\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", d8), "not an integer"),
            Arguments.of("string dim", file("{\"t\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", d8), "not an integer"),
            Arguments.of("huge shape", file("{\"t\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", d8), "overflows"),
            Arguments.of("offsets not integers", file("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.0]}}", d8), "not integers"),
            Arguments.of("offsets wrong arity", file("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", d8), "[begin, end]"),
            Arguments.of("missing offsets", file("{\"t\":{\"dtype\":\"F32\",\"shape\":[2]}}", d8), "missing data_offsets"),
            Arguments.of("begin > end", file("{\"t\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", d8), "begin 8 > end 0"),
            Arguments.of("negative offset", file("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", d8), "negative"),
            Arguments.of("end beyond data", file("{\"t\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", d8), "beyond"),
            Arguments.of("size mismatch", file("{\"t\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", d8), "needs 12"),
            Arguments.of("unknown field", file("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", d8), "unknown field"),
            Arguments.of("overlap", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                    + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", d8), "overlaps"),
            Arguments.of("gap", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", d8), "gap"),
            Arguments.of("trailing data", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", d8), "trailing"),
            Arguments.of("metadata value not string", file("{\"__metadata__\":{\"a\":1}," + t + "}", d8), "not a string"),
            Arguments.of("metadata not object", file("{\"__metadata__\":[]," + t + "}", d8), "not an object"),
            Arguments.of("duplicate key", file("{" + t + "," + t + "}", d8), "duplicate"),
            Arguments.of("tiny header", withLength(file("{}", new byte[0]), 1), "too short")
        );
    }

    static byte[] withLength(byte[] f, long n) {
        byte[] c = f.clone();
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
        return c;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void rejectsMalformed(String label, byte[] bytes, String expected) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.read(bytes, "bad.safetensors"));
        assertTrue(e.getMessage().startsWith("bad.safetensors: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), label + ": " + e.getMessage());
    }

    @Test
    void everyTruncationIsRejected() throws IOException {
        byte[] full = Safetensors.toBytes(allDtypes(), Map.of("k", "v"));
        Safetensors.read(full, "full");
        for (int len = 0; len < full.length; len++) {
            byte[] cut = java.util.Arrays.copyOf(full, len);
            try {
                Safetensors.read(cut, "cut" + len);
                fail("truncated at " + len + " was accepted");
            } catch (SafetensorsException expected) {
                assertTrue(expected.getMessage().startsWith("cut" + len + ": "));
            }
        }
        // and through the file path as well, for a few lengths
        for (int len : new int[] {0, 7, 8, 20, full.length - 1}) {
            Path p = tmp.resolve("cut" + len);
            Files.write(p, java.util.Arrays.copyOf(full, len));
            assertThrows(SafetensorsException.class, () -> Safetensors.read(p));
        }
    }

    @Test
    void missingFileIsASafetensorsException() {
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> Safetensors.read(tmp.resolve("nope.safetensors")));
        assertTrue(e.getMessage().contains("nope.safetensors"));
    }

    @Test
    void writerRejectsBadNames() {
        assertThrows(IllegalArgumentException.class, () -> Safetensors.toBytes(
                Map.of("__metadata__", HostTensor.ofInts(new int[] {1}, 1)), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> HostTensor.ofInts(new int[] {1, 2}, 3));
    }

    @Test
    void readsEveryParityCase() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(CASES), "no parity cases at " + CASES.toAbsolutePath());
        List<Path> files;
        try (Stream<Path> s = Files.list(CASES)) {
            files = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().collect(Collectors.toList());
        }
        assertFalse(files.isEmpty());
        for (Path p : files) {
            SafetensorsFile f = Safetensors.read(p);
            assertEquals("1", f.metadata().get("format"), p.toString());
            assertTrue(f.metadata().containsKey("op"), p.toString());
            for (Map.Entry<String, HostTensor> e : f.tensors().entrySet()) {
                String name = e.getKey();
                DType d = e.getValue().dtype();
                if (name.startsWith("out.") || name.startsWith("grad.")) {
                    assertEquals(DType.FLOAT64, d, p + " " + name);
                } else if (name.startsWith("in.") || name.startsWith("seed.")) {
                    assertTrue(d == DType.FLOAT32 || d == DType.INT32, p + " " + name);
                } else {
                    fail(p + ": unexpected tensor name " + name);
                }
            }
            // re-encoding what we read gives a file that reads back identically
            SafetensorsFile again = Safetensors.read(Safetensors.toBytes(f.tensors(), f.metadata()), "again");
            assertEquals(f.tensors(), again.tensors());
            assertEquals(f.metadata(), again.metadata());
        }
    }
}
