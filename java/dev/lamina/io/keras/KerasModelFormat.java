package dev.lamina.io.keras;

import dev.lamina.models.Model;
import dev.lamina.models.ModelFileFormat;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keras 3 files as a {@link ModelFileFormat} (registered in
 * {@code META-INF/services/dev.lamina.models.ModelFileFormat}): {@code .keras} archives and
 * {@code .weights.h5} files, told by name ({@code .keras}, {@code .h5}, {@code .hdf5}) or by
 * content (zip or HDF5), read and written by {@link KerasFiles}.
 */
public final class KerasModelFormat implements ModelFileFormat {

    /** The format (ServiceLoader calls this). */
    public KerasModelFormat() {
    }

    @Override
    public boolean claimsName(Path file) {
        return KerasFiles.isKerasName(file);
    }

    /** A Keras name, or zip/HDF5 content; a {@code .safetensors} name over such content is refused, naming what it is. */
    @Override
    public boolean claims(Path file, String op) {
        if (Files.isDirectory(file)) {
            return false;
        }
        KerasFiles.Format f = KerasFiles.sniff(file);
        boolean kerasContent = f == KerasFiles.Format.ZIP || f == KerasFiles.Format.HDF5;
        if (file.getFileName().toString().endsWith(".safetensors") && kerasContent) {
            throw new KerasFormatException(op + ": " + file + " is named .safetensors but is " + f.description()
                    + " (a Keras file?); name it .keras or .weights.h5");
        }
        return KerasFiles.isKerasName(file) || kerasContent;
    }

    @Override
    public void save(Model model, Path file) {
        KerasFiles.save(model, file);
    }

    @Override
    public Model load(Path file) {
        return KerasFiles.load(file);
    }

    @Override
    public void saveWeights(Model model, Path file) {
        KerasFiles.saveWeights(model, file);
    }

    @Override
    public void loadWeights(Model model, Path file) {
        KerasFiles.loadWeights(model, file);
    }
}
