package dev.lamina.tuner;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/** JSON files of a tuner directory (Jackson), written atomically so a killed search never leaves half a file. */
final class TunerFiles {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TunerFiles() {
    }

    /** Writes {@code value} as pretty JSON to {@code file} through a temporary file and an atomic move. */
    static void write(Path file, Object value) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
            try {
                MAPPER.writeValue(tmp.toFile(), value);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("tuner: cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a JSON object. */
    static Map<String, Object> read(Path file) {
        try {
            return MAPPER.readValue(file.toFile(), new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new UncheckedIOException("tuner: cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The canonical JSON text of a value, keys sorted (for comparing saved and current configurations). */
    static String canonical(Object value) {
        try {
            return MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT).with(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                    .writeValueAsString(
                    MAPPER.readValue(MAPPER.writeValueAsString(value), Object.class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
