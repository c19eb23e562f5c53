package dev.lamina.io;

import dev.lamina.types.DType;
import dev.lamina.util.Json;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes <a href="https://github.com/huggingface/safetensors">safetensors</a> files.
 *
 * <p>Layout: an 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON
 * {@code {"NAME": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
 * "__metadata__": {"key": "value"}}}, then the data buffer; offsets are relative to the start of
 * the data buffer. Dtypes F32, F64, I32, I64 and BOOL are read and written; F16 and BF16 are
 * read and converted to FLOAT32 (the {@link HostTensor#fileDtype()} remembers the original).
 *
 * <p>Reading is strict: the header length must fit in the file and be at most 100 MB, the header
 * must be a JSON object of well-formed entries (known dtype, non-negative integer dims, integer
 * offsets with begin ≤ end, byte size = numel × dtype size), the tensors must cover the data
 * buffer exactly — sorted by offset, each starting where the previous one ended, the last ending
 * at the end of the file — and metadata values must be strings. Every problem is a
 * {@link SafetensorsException} naming the file; no read goes beyond the file.
 *
 * <p>Writing lays tensors out in the map's iteration order, pads the header with spaces to a
 * multiple of 8 bytes and replaces the target atomically ({@link AtomicFiles#writeFile}: a
 * temporary file in the same directory, flushed, then a rename; stale temporaries of earlier,
 * killed writes are deleted first).
 */
public final class Safetensors {
    /** The largest header accepted, as in the reference implementation. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA = "__metadata__";

    private Safetensors() {
    }

    // ---- dtypes ------------------------------------------------------------------------------

    /** The safetensors name of a Lamina dtype: F32, F64, I32, I64, BOOL. */
    public static String dtypeName(DType d) {
        switch (d) {
            case FLOAT32: return "F32";
            case FLOAT64: return "F64";
            case INT32: return "I32";
            case INT64: return "I64";
            case BOOL: return "BOOL";
            default: throw new IllegalArgumentException("no safetensors dtype for " + d);
        }
    }

    /** Bytes per element in the file for a safetensors dtype name, or -1 if unsupported. */
    private static int fileElementSize(String name) {
        switch (name) {
            case "F32": case "I32": return 4;
            case "F64": case "I64": return 8;
            case "F16": case "BF16": return 2;
            case "BOOL": return 1;
            default: return -1;
        }
    }

    private static DType lamina(String name) {
        switch (name) {
            case "F32": case "F16": case "BF16": return DType.FLOAT32;
            case "F64": return DType.FLOAT64;
            case "I32": return DType.INT32;
            case "I64": return DType.INT64;
            case "BOOL": return DType.BOOL;
            default: throw new IllegalStateException(name);
        }
    }

    /** IEEE 754 half precision bits to float (exact). */
    public static float halfToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // inf or nan
        }
        if (exp == 0) {
            // zero or subnormal: mant * 2^-24, exact in float
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** bfloat16 bits to float (exact: the upper half of a float32). */
    public static float bfloat16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    // ---- reading -----------------------------------------------------------------------------

    /** Reads a whole file. */
    public static SafetensorsFile read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(new ChannelSource(ch), file.toString());
        } catch (NoSuchFileException e) {
            throw new SafetensorsException(file + ": no such file", e);
        } catch (IOException e) {
            throw new SafetensorsException(file + ": cannot read: " + e, e);
        }
    }

    /** Reads a file held in memory; {@code sourceName} names it in error messages. */
    public static SafetensorsFile read(byte[] bytes, String sourceName) {
        try {
            return read(new ArraySource(bytes), sourceName);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen for arrays
        }
    }

    /** Random-access bytes: a file channel or an array. */
    private interface Source {
        long size() throws IOException;

        /** Fills dst from position {@code pos}, or throws EOFException. */
        void readFully(long pos, ByteBuffer dst) throws IOException;
    }

    private static final class ChannelSource implements Source {
        private final FileChannel ch;

        ChannelSource(FileChannel ch) {
            this.ch = ch;
        }

        @Override
        public long size() throws IOException {
            return ch.size();
        }

        @Override
        public void readFully(long pos, ByteBuffer dst) throws IOException {
            long p = pos;
            while (dst.hasRemaining()) {
                int n = ch.read(dst, p);
                if (n < 0) {
                    throw new EOFException("file ended at byte " + p);
                }
                p += n;
            }
        }
    }

    private static final class ArraySource implements Source {
        private final byte[] a;

        ArraySource(byte[] a) {
            this.a = a;
        }

        @Override
        public long size() {
            return a.length;
        }

        @Override
        public void readFully(long pos, ByteBuffer dst) throws IOException {
            if (pos < 0 || pos + dst.remaining() > a.length) {
                throw new EOFException("read past the end of the data");
            }
            dst.put(a, (int) pos, dst.remaining());
        }
    }

    /** One validated header entry. */
    private record Entry(String name, String fileDtype, long[] shape, long begin, long end) {
    }

    private static SafetensorsFile read(Source src, String file) throws IOException {
        long size = src.size();
        if (size < 8) {
            throw fail(file, "file is " + size + " bytes, too short for the 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(src, 0, lenBuf, file);
        long n = lenBuf.getLong(0); // unsigned: a negative value is > 2^63
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw fail(file, "header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        if (n > size - 8) {
            throw fail(file, "header length " + n + " is larger than the " + (size - 8)
                    + " bytes after the length field (truncated file?)");
        }
        if (n < 2) {
            throw fail(file, "header length " + n + " is too short for a JSON object");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) n);
        readFully(src, 8, headerBytes, file);
        headerBytes.flip();
        String headerText;
        try {
            CharBuffer cb = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(headerBytes);
            headerText = cb.toString();
        } catch (CharacterCodingException e) {
            throw fail(file, "header is not valid UTF-8");
        }
        if (!headerText.startsWith("{")) {
            throw fail(file, "header does not start with '{'");
        }
        Object parsed;
        try {
            parsed = Json.parse(headerText);
        } catch (Json.JsonException e) {
            throw fail(file, "header is not valid JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map)) {
            throw fail(file, "header is a JSON " + Json.typeName(parsed) + ", not an object");
        }
        Map<?, ?> header = (Map<?, ?>) parsed;
        long dataStart = 8 + n;
        long dataSize = size - dataStart;

        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : header.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals(METADATA)) {
                parseMetadata(file, e.getValue(), metadata);
            } else {
                entries.add(parseEntry(file, name, e.getValue(), dataSize));
            }
        }

        // The tensors must tile the data buffer: no gaps, no overlaps, nothing left over.
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        String previous = null;
        for (Entry en : byOffset) {
            if (en.begin < expected) {
                throw fail(file, "tensor '" + en.name + "' (bytes " + en.begin + ".." + en.end
                        + ") overlaps tensor '" + previous + "' which ends at " + expected);
            }
            if (en.begin > expected) {
                throw fail(file, "gap in the data buffer: bytes " + expected + ".." + en.begin
                        + " belong to no tensor (before '" + en.name + "')");
            }
            expected = en.end;
            previous = en.name;
        }
        if (expected != dataSize) {
            throw fail(file, "the tensors cover " + expected + " bytes of data but the data buffer holds "
                    + dataSize + " bytes" + (expected < dataSize ? " (trailing bytes)" : ""));
        }

        checkHeap(file, entries);
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        for (Entry en : entries) {
            int bytes = Math.toIntExact(en.end - en.begin);
            ByteBuffer raw = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
            readFully(src, dataStart + en.begin, raw, file);
            raw.flip();
            ByteBuffer data = raw;
            if (en.fileDtype.equals("F16") || en.fileDtype.equals("BF16")) {
                boolean half = en.fileDtype.equals("F16");
                int count = bytes / 2;
                data = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < count; i++) {
                    short s = raw.getShort(i * 2);
                    data.putFloat(i * 4, half ? halfToFloat(s) : bfloat16ToFloat(s));
                }
            }
            tensors.put(en.name, new HostTensor(lamina(en.fileDtype), en.shape, data, en.fileDtype));
        }
        return new SafetensorsFile(tensors, metadata);
    }

    /**
     * Fails before allocating when the tensors need more heap than this JVM can still give (a
     * sparse file can declare gigabytes in a few kilobytes of disk): a SafetensorsException naming
     * the sizes instead of an OutOfMemoryError after reading for a long time.
     */
    private static void checkHeap(String file, List<Entry> entries) {
        long need = 0;
        for (Entry en : entries) {
            long bytes = en.end - en.begin;
            need += en.fileDtype.equals("F16") || en.fileDtype.equals("BF16") ? 3 * bytes : bytes; // raw + float32 copy
        }
        Runtime rt = Runtime.getRuntime();
        long available = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (need > available) {
            System.gc();
            available = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        }
        if (need > available) {
            throw fail(file, "its tensors need " + need + " bytes of memory but this JVM has only " + available
                    + " bytes of heap free (maximum " + rt.maxMemory() + "; raise it with -Xmx)");
        }
    }

    private static void readFully(Source src, long pos, ByteBuffer dst, String file) throws IOException {
        try {
            src.readFully(pos, dst);
        } catch (EOFException e) {
            throw fail(file, "file is truncated (" + e.getMessage() + ")");
        }
    }

    private static void parseMetadata(String file, Object value, Map<String, String> out) {
        if (!(value instanceof Map)) {
            throw fail(file, "__metadata__ is a JSON " + Json.typeName(value) + ", not an object");
        }
        for (Map.Entry<?, ?> m : ((Map<?, ?>) value).entrySet()) {
            if (!(m.getValue() instanceof String)) {
                throw fail(file, "__metadata__ value of '" + m.getKey() + "' is a JSON "
                        + Json.typeName(m.getValue()) + ", not a string");
            }
            out.put((String) m.getKey(), (String) m.getValue());
        }
    }

    private static Entry parseEntry(String file, String name, Object value, long dataSize) {
        String where = "tensor '" + name + "'";
        if (!(value instanceof Map)) {
            throw fail(file, where + ": entry is a JSON " + Json.typeName(value) + ", not an object");
        }
        Map<?, ?> m = (Map<?, ?>) value;
        for (Object k : m.keySet()) {
            if (!k.equals("dtype") && !k.equals("shape") && !k.equals("data_offsets")) {
                throw fail(file, where + ": unknown field '" + k + "'");
            }
        }
        Object dt = m.get("dtype");
        if (dt == null) {
            throw fail(file, where + ": missing dtype");
        }
        if (!(dt instanceof String)) {
            throw fail(file, where + ": dtype is a JSON " + Json.typeName(dt) + ", not a string");
        }
        String dtype = (String) dt;
        int elem = fileElementSize(dtype);
        if (elem < 0) {
            throw fail(file, where + ": unknown or unsupported dtype '" + dtype
                    + "' (supported: F32, F64, I32, I64, BOOL, F16, BF16)");
        }
        Object sh = m.get("shape");
        if (!(sh instanceof List)) {
            throw fail(file, where + ": " + (sh == null ? "missing shape" : "shape is not an array"));
        }
        List<?> dims = (List<?>) sh;
        long[] shape = new long[dims.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            Object d = dims.get(i);
            if (!(d instanceof Long)) {
                throw fail(file, where + ": shape dimension " + i + " is " + Json.write(d) + ", not an integer");
            }
            shape[i] = (Long) d;
            if (shape[i] < 0) {
                throw fail(file, where + ": negative shape dimension " + shape[i]);
            }
            try {
                numel = Math.multiplyExact(numel, shape[i]);
            } catch (ArithmeticException overflow) {
                throw fail(file, where + ": shape " + Arrays.toString(shape) + " overflows");
            }
        }
        Object off = m.get("data_offsets");
        if (!(off instanceof List) || ((List<?>) off).size() != 2) {
            throw fail(file, where + ": " + (off == null ? "missing data_offsets"
                    : "data_offsets must be an array [begin, end]"));
        }
        Object b = ((List<?>) off).get(0);
        Object e = ((List<?>) off).get(1);
        if (!(b instanceof Long) || !(e instanceof Long)) {
            throw fail(file, where + ": data_offsets " + Json.write(off) + " are not integers");
        }
        long begin = (Long) b;
        long end = (Long) e;
        if (begin < 0 || end < 0) {
            throw fail(file, where + ": negative data_offsets " + Json.write(off));
        }
        if (begin > end) {
            throw fail(file, where + ": data_offsets begin " + begin + " > end " + end);
        }
        if (end > dataSize) {
            throw fail(file, where + ": data_offsets end " + end + " is beyond the data buffer of "
                    + dataSize + " bytes");
        }
        long need;
        try {
            need = Math.multiplyExact(numel, (long) elem);
        } catch (ArithmeticException overflow) {
            throw fail(file, where + ": shape " + Arrays.toString(shape) + " overflows");
        }
        if (end - begin != need) {
            throw fail(file, where + ": " + (end - begin) + " bytes of data but shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + need);
        }
        if (need * (lamina(dtype).size() / elem) > Integer.MAX_VALUE - 16) {
            throw fail(file, where + ": " + need + " bytes is more than one host buffer holds (2 GiB)");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static SafetensorsException fail(String file, String problem) {
        return new SafetensorsException(file + ": " + problem);
    }

    // ---- writing -----------------------------------------------------------------------------

    /** Writes tensors (in the map's order) without metadata. */
    public static void write(Path file, Map<String, HostTensor> tensors) {
        write(file, tensors, Map.of());
    }

    /**
     * Writes tensors (laid out in the map's iteration order) and string metadata, replacing
     * {@code file} atomically.
     */
    public static void write(Path file, Map<String, HostTensor> tensors, Map<String, String> metadata) {
        AtomicFiles.writeFile(file, toBytes(tensors, metadata, file.toString()));
    }

    /** The bytes of a safetensors file holding {@code tensors} and {@code metadata}. */
    public static byte[] toBytes(Map<String, HostTensor> tensors, Map<String, String> metadata) {
        return toBytes(tensors, metadata, "<memory>");
    }

    private static byte[] toBytes(Map<String, HostTensor> tensors, Map<String, String> metadata, String file) {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            Map<String, Object> meta = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) {
                    throw fail(file, "metadata keys and values must not be null");
                }
                meta.put(e.getKey(), e.getValue());
            }
            header.put(METADATA, meta);
        }
        long offset = 0;
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            String name = e.getKey();
            HostTensor t = e.getValue();
            if (name == null || name.equals(METADATA)) {
                throw fail(file, "invalid tensor name " + name);
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", dtypeName(t.dtype()));
            List<Object> shape = new ArrayList<>();
            for (long d : t.shape()) {
                shape.add(d);
            }
            entry.put("shape", shape);
            long bytes = t.data().remaining();
            entry.put("data_offsets", List.of(offset, offset + bytes));
            offset += bytes;
            header.put(name, entry);
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        long total = 8L + padded + offset;
        if (total > Integer.MAX_VALUE - 16) {
            throw fail(file, "file of " + total + " bytes is too large to write in one piece");
        }
        ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded);
        out.put(json);
        for (int i = json.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        for (HostTensor t : tensors.values()) {
            out.put(t.data());
        }
        return out.array();
    }
}
