package dev.lamina.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.types.DType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Java side of the native border against {@code native/lamina_ops.h}, parsed here: every dtype,
 * op code and geometry index the kernels read must be the one Java sends, by name, so a reorder or
 * an op added on one side only fails this test instead of silently running the wrong kernel.
 */
class NativeHeaderTest {
    static final Path HEADER = Path.of("native/lamina_ops.h");

    /** The body of a multi-line {@code #define NAME(X) ...} (continuation lines joined). */
    static String macro(String name) {
        String text = read(HEADER);
        Matcher m = Pattern.compile("#define " + name + "\\(X\\)((?:[^\\n]*\\\\\\n)*[^\\n]*)").matcher(text);
        assertTrue(m.find(), "native/lamina_ops.h has no #define " + name + "(X)");
        return m.group(1).replace("\\\n", " ");
    }

    /** NAME(code) entries of an op or dtype list, in header order. */
    static Map<String, Integer> codes(String name) {
        Map<String, Integer> r = new LinkedHashMap<>();
        Matcher m = Pattern.compile("X\\((\\w+),\\s*(\\d+)\\)").matcher(macro(name));
        while (m.find()) {
            assertTrue(r.put(m.group(1), Integer.parseInt(m.group(2))) == null, name + ": " + m.group(1) + " twice");
        }
        assertTrue(!r.isEmpty(), name + " is empty");
        // codes run 0, 1, 2, ... (the cpu kernels check an op code against the list's length)
        assertEquals(new java.util.TreeSet<>(r.values()), new java.util.TreeSet<>(
                java.util.stream.IntStream.range(0, r.size()).boxed().toList()), name + ": codes are not 0.." + (r.size() - 1));
        return r;
    }

    /** field to index entries of a geometry list. */
    static Map<String, Integer> indices(String name) {
        Map<String, Integer> r = new LinkedHashMap<>();
        Matcher m = Pattern.compile("X\\((\\w+),\\s*(\\w+),\\s*(\\d+)\\)").matcher(macro(name));
        while (m.find()) {
            r.put(m.group(1), Integer.parseInt(m.group(3)));
        }
        return r;
    }

    static int defineValue(String name) {
        Matcher m = Pattern.compile("#define " + name + " (\\d+)").matcher(read(HEADER));
        assertTrue(m.find(), "no #define " + name);
        return Integer.parseInt(m.group(1));
    }

    static <E extends Enum<E>> Map<String, Integer> javaCodes(E[] values, ToIntFunction<E> code) {
        Map<String, Integer> r = new LinkedHashMap<>();
        for (E e : values) {
            r.put(e.name(), code.applyAsInt(e));
        }
        return r;
    }

    @Test
    void opCodesMatchTheHeader() {
        assertEquals(codes("LAMINA_UNARY_OPS"), javaCodes(UnaryOp.values(), UnaryOp::code), "UnaryOp vs lamina_ops.h");
        assertEquals(codes("LAMINA_BINARY_OPS"), javaCodes(BinaryOp.values(), BinaryOp::code), "BinaryOp vs lamina_ops.h");
        assertEquals(codes("LAMINA_REDUCE_OPS"), javaCodes(ReduceOp.values(), ReduceOp::code), "ReduceOp vs lamina_ops.h");
    }

    @Test
    void dtypeCodesAreTheDTypeOrdinals() {
        // the backends send DType.ordinal() (CpuBackend.code, CudaBackend.code)
        assertEquals(codes("LAMINA_DTYPES"), javaCodes(DType.values(), Enum::ordinal), "DType vs lamina_ops.h");
    }

    @Test
    void comparisonsAreTheBinaryOpsFromEqOn() {
        for (BinaryOp op : BinaryOp.values()) {
            assertEquals(op.code() >= BinaryOp.EQ.code(), op.isComparison(), op.name());
        }
    }

    @Test
    void convGeometryLayoutMatchesTheHeader() {
        // pairwise distinct values, so a field at the wrong index cannot pass by accident
        ConvGeometry g = new ConvGeometry(17, 11, 13, 6, 5, 7, 8, 3, 4, 9, 16, 10, 12, 14, 15, 2);
        checkLayout(g, g.toArray(), indices("LAMINA_CONV_GEOMETRY"), defineValue("LAMINA_CONV_GEOMETRY_SIZE"));
    }

    @Test
    void poolGeometryLayoutMatchesTheHeader() {
        PoolGeometry g = new PoolGeometry(17, 11, 13, 6, 5, 7, 3, 4, 9, 16, 14, 15);
        checkLayout(g, g.toArray(), indices("LAMINA_POOL_GEOMETRY"), defineValue("LAMINA_POOL_GEOMETRY_SIZE"));
    }

    private static void checkLayout(Record g, long[] array, Map<String, Integer> header, int size) {
        RecordComponent[] fields = g.getClass().getRecordComponents();
        assertEquals(size, array.length, g.getClass().getSimpleName() + ".toArray() length vs the header");
        assertEquals(fields.length, header.size(), g.getClass().getSimpleName() + " fields vs header entries " + header);
        for (RecordComponent f : fields) {
            Integer index = header.get(f.getName());
            assertTrue(index != null, "lamina_ops.h lacks " + g.getClass().getSimpleName() + "." + f.getName());
            long value;
            try {
                value = ((Number) f.getAccessor().invoke(g)).longValue();
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
            assertEquals(value, array[index], g.getClass().getSimpleName() + "." + f.getName() + " is not at index "
                    + index + " of toArray()");
        }
    }

    @Test
    void kernelsTakeTheirCodesFromTheHeaderOnly() throws IOException {
        // an op enum or geometry read written out by hand in a kernel source would be matched by position again
        Pattern handEnum = Pattern.compile("enum\\s+[UBR]Op\\s*:\\s*int\\s*\\{\\s*+(?!LAMINA_)");
        Pattern handGeom = Pattern.compile("\\b(geom|a)\\[\\d+\\]");
        List<Path> sources = new ArrayList<>();
        for (String dir : new String[] {"cpu-kernels", "cuda-kernels"}) {
            try (Stream<Path> s = Files.list(Path.of(dir))) {
                s.filter(p -> p.toString().matches(".*\\.(hpp|cu|cuh)$")).forEach(sources::add);
            }
        }
        assertTrue(sources.size() >= 10, "kernel sources not found: " + sources);
        for (Path p : sources) {
            String text = read(p);
            assertTrue(!handEnum.matcher(text).find(), p + " declares an op enum without native/lamina_ops.h");
            Matcher m = handGeom.matcher(text);
            assertTrue(!m.find(), p + " reads a geometry array by position: " + (m.find(0) ? m.group() : ""));
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p.toAbsolutePath(), e);
        }
    }
}
