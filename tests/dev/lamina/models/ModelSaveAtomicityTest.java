package dev.lamina.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.io.Safetensors;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.tensor.Rng;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a save leaves on disk: a directory replaced as a whole, no temporaries, normal file modes,
 * and loads that never see a mix of two saves (issue 11, data loss).
 */
class ModelSaveAtomicityTest extends ModelFixture {
    @TempDir
    Path tmp;

    private Sequential dense(int units) {
        Rng.setGlobalSeed(1);
        Sequential m = own(new Sequential("a"));
        m.add(new Input(3)).add(new Dense(units, "relu")).add(new Dense(1));
        return m;
    }

    private Sequential recurrent() {
        Rng.setGlobalSeed(2);
        Sequential m = own(new Sequential("b"));
        m.add(new Input(5, 2)).add(new LSTM(4)).add(new Dense(2));
        return m;
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void savingAnotherArchitectureReplacesTheWholeDirectory() throws IOException {
        Path dir = tmp.resolve("model");
        dense(8).save(dir);
        Sequential b = recurrent();
        b.save(dir);
        Sequential back = own(Model.load(dir));
        assertEquals(b.config(), back.config());
        assertEquals(List.of("model"), names(tmp), "nothing but the model is left beside it");
        assertEquals(List.of("config.json", "model.weights.safetensors"), names(dir));
    }

    @Test
    void aLoadAfterAKillBetweenTheTwoRenamesFindsThePreviousModel() throws IOException {
        Path dir = tmp.resolve("model");
        Sequential a = dense(8);
        a.save(dir);
        // the state a save leaves when killed after setting the old directory aside, before the rename
        Files.move(dir, tmp.resolve(".model.0123456789abcdef.old"));
        Files.createDirectory(tmp.resolve(".model.fedcba9876543210.tmp")); // the new one, half written
        Sequential back = own(Model.load(dir));
        assertEquals(a.config(), back.config());
        // the next save cleans up both leftovers
        recurrent().save(dir);
        assertEquals(List.of("model"), names(tmp));
    }

    @Test
    void staleTemporariesOfKilledSavesAreDeletedByTheNextSave() throws IOException {
        Path dir = tmp.resolve("model");
        Path file = tmp.resolve("one.safetensors");
        Files.write(tmp.resolve(".one.safetensors1234567890.tmp"), new byte[100]); // the old createTempFile naming
        Files.write(tmp.resolve(".one.safetensors.00112233445566aa.tmp"), new byte[100]);
        Files.createDirectories(tmp.resolve(".model.00112233445566aa.tmp").resolve("deep"));
        Files.write(tmp.resolve(".model.00112233445566aa.tmp").resolve("deep").resolve("x"), new byte[10]);
        Files.write(tmp.resolve(".modelX.00112233445566aa.tmp"), new byte[1]); // another target's: kept
        Files.write(tmp.resolve("notes.txt"), new byte[1]);
        Sequential m = dense(4);
        m.save(dir);
        m.save(file);
        assertEquals(List.of(".modelX.00112233445566aa.tmp", "model", "notes.txt", "one.safetensors"), names(tmp));
    }

    @Test
    void savedFilesGetTheProcessUmaskNotOwnerOnly() throws IOException {
        Path reference = Files.createFile(tmp.resolve("reference")); // created with the umask
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(reference);
        Path dir = tmp.resolve("model");
        Sequential m = dense(4);
        m.save(dir);
        m.save(tmp.resolve("one.safetensors"));
        assertEquals(expected, Files.getPosixFilePermissions(dir.resolve("config.json")));
        assertEquals(expected, Files.getPosixFilePermissions(dir.resolve("model.weights.safetensors")));
        assertEquals(expected, Files.getPosixFilePermissions(tmp.resolve("one.safetensors")));
        assertTrue(expected.contains(PosixFilePermission.OWNER_READ));
    }

    @Test
    void aSaveNeverDeletesFilesItDidNotWrite() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("mine"));
        Files.writeString(dir.resolve("thesis.tex"), "precious");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dense(4).save(dir));
        assertTrue(e.getMessage().contains("thesis.tex"), e.getMessage());
        assertEquals("precious", Files.readString(dir.resolve("thesis.tex")));
    }

    @Test
    void temporariesThatEarlierVersionsLeftInsideADirectoryDoNotBlockTheSave() throws IOException {
        Path dir = tmp.resolve("model");
        dense(4).save(dir);
        Files.write(dir.resolve(".config.json4242424242.tmp"), new byte[3]);
        Files.write(dir.resolve(".model.weights.safetensors-17.tmp"), new byte[3]);
        dense(8).save(dir);
        assertEquals(List.of("config.json", "model.weights.safetensors"), names(dir));
    }

    @Test
    void configAndWeightsOfDifferentSavesAreRefused() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        dense(4).save(a);
        dense(4).save(b); // same architecture, another save: today's loader would mix them silently
        Files.copy(b.resolve("model.weights.safetensors"), a.resolve("model.weights.safetensors"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Model.load(a));
        assertTrue(e.getMessage().contains("different saves"), e.getMessage());
    }

    @Test
    void configAndWeightsCarryTheSameSaveId() {
        Path dir = tmp.resolve("model");
        dense(4).save(dir);
        Map<String, String> meta = Safetensors.read(dir.resolve("model.weights.safetensors")).metadata();
        assertFalse(meta.get("lamina_save_id").isEmpty());
    }
}
