package dev.lamina.models;

import java.nio.file.Path;

/**
 * A model file format other than Lamina's own safetensors saves, to which {@link Model#save},
 * {@link Model#load}, {@link Model#saveWeights} and {@link Model#loadWeights} hand the files it
 * claims. Implementations are found with {@link java.util.ServiceLoader} (listed in
 * {@code META-INF/services/dev.lamina.models.ModelFileFormat}), so that this package does not depend
 * on theirs: Keras 3's {@code .keras} archives and {@code .weights.h5} files are one
 * ({@code dev.lamina.io.keras.KerasModelFormat}).
 */
public interface ModelFileFormat {

    /**
     * Whether this format writes a file of this name ({@link Model#save}, {@link Model#saveWeights}).
     *
     * @param file the path to write
     * @return true when the name is this format's
     */
    boolean claimsName(Path file);

    /**
     * Whether an existing file is in this format, by its name or its first bytes ({@link Model#load},
     * {@link Model#loadWeights}). A name that contradicts the content may be refused here.
     *
     * @param file an existing path (a directory is never claimed)
     * @param op the operation, for messages ("load", "loadWeights")
     * @return true when this format reads the file
     * @throws IllegalArgumentException when the name and the content disagree
     */
    boolean claims(Path file, String op);

    /**
     * Saves the architecture and the weights.
     *
     * @param model the model
     * @param file a path this format {@linkplain #claimsName claims}
     */
    void save(Model model, Path file);

    /**
     * Loads a whole model.
     *
     * @param file a file this format {@linkplain #claims claims}
     * @return the model (a {@link Sequential} where the file holds a chain of layers)
     */
    Model load(Path file);

    /**
     * Saves the weights alone.
     *
     * @param model the model
     * @param file a path this format {@linkplain #claimsName claims}
     */
    void saveWeights(Model model, Path file);

    /**
     * Loads weights into a model of the same architecture.
     *
     * @param model the model
     * @param file a file this format {@linkplain #claims claims}
     */
    void loadWeights(Model model, Path file);
}
