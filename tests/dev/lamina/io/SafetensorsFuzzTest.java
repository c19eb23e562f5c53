package dev.lamina.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.util.Json;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing of the safetensors reader (issue 11): thousands of mutated, truncated and garbage
 * files; each must read cleanly or fail with a {@link SafetensorsException}, never anything else,
 * never a hang or an out-of-memory error. And a sparse file that declares gigabytes fails at once.
 */
public class SafetensorsFuzzTest {
    static final int CASES = 4000;

    @TempDir
    Path tmp;

    public static List<byte[]> seeds() {
        List<byte[]> out = new ArrayList<>();
        Map<String, HostTensor> a = new LinkedHashMap<>();
        a.put("dense/kernel", HostTensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        a.put("dense/bias", HostTensor.ofFloats(new float[] {0.5f, -1}, 2));
        a.put("steps", HostTensor.ofLongs(new long[] {7}));
        out.add(Safetensors.toBytes(a, Map.of("format", "lamina-model", "lamina_model", "{\"x\": [1, 2]}")));
        Map<String, HostTensor> b = new LinkedHashMap<>();
        b.put("mask", HostTensor.ofBooleans(new boolean[] {true, false, true}, 3));
        b.put("empty", HostTensor.ofFloats(new float[0], 0, 4));
        b.put("ids", HostTensor.ofInts(new int[] {1, 2, 3, 4}, 2, 2));
        b.put("d", HostTensor.ofDoubles(new double[] {Math.PI}, 1, 1, 1));
        out.add(Safetensors.toBytes(b, Map.of()));
        return out;
    }

    /** The header JSON of a well-formed file. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> header(byte[] file) {
        long n = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        return (Map<String, Object>) mutable(Json.parse(new String(file, 8, (int) n, StandardCharsets.UTF_8)));
    }

    /** A deep copy of a parsed JSON value with modifiable maps and lists. */
    public static Object mutable(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put((String) k, mutable(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(x -> out.add(mutable(x)));
            return out;
        }
        return v;
    }

    public static byte[] withHeader(byte[] file, String json, boolean fixLength, Random r) {
        long n = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOfRange(file, (int) (8 + n), file.length);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(fixLength ? h.length : h.length + r.nextInt(17) - 8);
        out.put(h).put(data);
        return out.array();
    }

    /** A random JSON value, biased to the edges (huge, negative, fractional, wrong type). */
    public static Object randomValue(Random r) {
        switch (r.nextInt(12)) {
            case 0: return null;
            case 1: return r.nextBoolean();
            case 2: return new long[] {-1, 0, 1, 2, 3, 7, 64, 4096, 1L << 31, 1L << 53, Long.MAX_VALUE, Long.MIN_VALUE}[r.nextInt(12)];
            case 3: return new double[] {0.5, 3.7, -1e-3, 1e300, -0.0, 2.0}[r.nextInt(6)];
            case 4: return new String[] {"", "F32", "F16", "BF16", "I64", "BOOL", "U8", "yes", "relu", "\u00e9"}[r.nextInt(10)];
            case 5: return new ArrayList<>();
            case 6: return new ArrayList<>(List.of((long) r.nextInt(10), (long) r.nextInt(100)));
            case 7: return new ArrayList<>(List.of((long) r.nextInt(1 << 20), (long) r.nextInt(1 << 30), 3L));
            case 8: return new LinkedHashMap<>();
            case 9: return mutable(Map.of("dtype", "F32", "shape", List.of(1L), "data_offsets", List.of(0L, 4L)));
            case 10: return r.nextLong();
            default: return "x".repeat(r.nextInt(40));
        }
    }

    /** Replaces, deletes or adds one randomly chosen node of a JSON tree (in place). */
    @SuppressWarnings("unchecked")
    public static void mutateTree(Object root, Random r) {
        Object node = root;
        for (int depth = 0; depth < 6; depth++) {
            if (node instanceof Map<?, ?> m && !m.isEmpty()) {
                Map<String, Object> map = (Map<String, Object>) m;
                List<String> keys = new ArrayList<>(map.keySet());
                String k = keys.get(r.nextInt(keys.size()));
                Object child = map.get(k);
                if ((child instanceof Map || child instanceof List) && r.nextInt(3) > 0) {
                    node = child;
                    continue;
                }
                switch (r.nextInt(4)) {
                    case 0: map.remove(k); break;
                    case 1: map.put(k + (r.nextBoolean() ? "_" : ""), randomValue(r)); break;
                    default: map.put(k, randomValue(r));
                }
                return;
            }
            if (node instanceof List<?> l && !l.isEmpty()) {
                List<Object> list = (List<Object>) l;
                int i = r.nextInt(list.size());
                Object child = list.get(i);
                if ((child instanceof Map || child instanceof List) && r.nextInt(3) > 0) {
                    node = child;
                    continue;
                }
                switch (r.nextInt(4)) {
                    case 0: list.remove(i); break;
                    case 1: list.add(randomValue(r)); break;
                    default: list.set(i, randomValue(r));
                }
                return;
            }
            return;
        }
    }

    public static byte[] mutate(byte[] seed, Random r) {
        byte[] b = seed.clone();
        switch (r.nextInt(8)) {
            case 0: { // flip bytes
                int k = 1 + r.nextInt(8);
                for (int i = 0; i < k; i++) {
                    b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                }
                return b;
            }
            case 1: // truncate
                return Arrays.copyOf(b, r.nextInt(b.length));
            case 2: { // append garbage
                byte[] more = new byte[1 + r.nextInt(64)];
                r.nextBytes(more);
                byte[] out = Arrays.copyOf(b, b.length + more.length);
                System.arraycopy(more, 0, out, b.length, more.length);
                return out;
            }
            case 3: { // another header length
                long[] lens = {0, 1, 7, -1, Long.MAX_VALUE, 1L << 40, b.length, b.length - 8, r.nextInt(b.length + 16)};
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, lens[r.nextInt(lens.length)]);
                return b;
            }
            case 4: { // garbage
                byte[] g = new byte[r.nextInt(256)];
                r.nextBytes(g);
                if (g.length >= 8 && r.nextBoolean()) {
                    ByteBuffer.wrap(g).order(ByteOrder.LITTLE_ENDIAN).putLong(0, r.nextInt(g.length));
                }
                return g;
            }
            default: { // a structural change of the header JSON
                Map<String, Object> h = header(seed);
                int k = 1 + r.nextInt(3);
                for (int i = 0; i < k; i++) {
                    mutateTree(h, r);
                }
                return withHeader(seed, Json.write(h), r.nextInt(4) > 0, r);
            }
        }
    }

    @Test
    void mutatedFilesReadOrFailWithSafetensorsExceptionOnly() throws Exception {
        List<byte[]> seeds = seeds();
        Random r = new Random(20261202);
        int ok = 0;
        int refused = 0;
        List<String> bad = new ArrayList<>();
        Path onDisk = tmp.resolve("case.safetensors");
        for (int c = 0; c < CASES; c++) {
            byte[] file = mutate(seeds.get(r.nextInt(seeds.size())), r);
            boolean viaFile = c % 10 == 0;
            try {
                SafetensorsFile f;
                if (viaFile) {
                    Files.write(onDisk, file);
                    f = Safetensors.read(onDisk);
                } else {
                    f = Safetensors.read(file, "case " + c);
                }
                for (HostTensor t : f.tensors().values()) {
                    assertEquals(t.numel() * t.dtype().size(), t.data().remaining());
                }
                ok++;
            } catch (SafetensorsException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
                refused++;
            } catch (Throwable e) {
                bad.add("case " + c + ": " + e);
            }
        }
        assertTrue(bad.isEmpty(), bad.size() + " cases ended in another exception: " + bad.subList(0, Math.min(10, bad.size())));
        System.out.println("SafetensorsFuzzTest: " + CASES + " cases, " + ok + " read, " + refused + " refused");
        assertTrue(refused > CASES / 2 && ok > 0, "ok " + ok + ", refused " + refused);
    }

    @Test
    void aSparseFileDeclaringGigabytesFailsBeforeAllocating() throws Exception {
        // 40 tensors of 2 GB each, in a sparse file of 80 GB that takes a few KB on disk
        Map<String, Object> h = new LinkedHashMap<>();
        long each = 500_000_000L; // float32 elements: 2 GB
        long offset = 0;
        for (int i = 0; i < 40; i++) {
            h.put("t" + i, Map.of("dtype", "F32", "shape", List.of(each), "data_offsets", List.of(offset, offset + 4 * each)));
            offset += 4 * each;
        }
        byte[] json = Json.write(h).getBytes(StandardCharsets.UTF_8);
        Path file = tmp.resolve("sparse.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, json.length);
            f.write(len.array());
            f.write(json);
            f.setLength(8 + json.length + offset);
        }
        long t0 = System.nanoTime();
        SafetensorsException e = org.junit.jupiter.api.Assertions.assertThrows(SafetensorsException.class, () -> Safetensors.read(file));
        assertTrue(e.getMessage().contains("80000000000 bytes") && e.getMessage().contains("-Xmx"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "took " + (System.nanoTime() - t0) / 1e9 + " s");
    }
}
