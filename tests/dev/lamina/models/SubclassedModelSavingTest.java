package dev.lamina.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.losses.MeanSquaredError;
import dev.lamina.nn.BatchNormalization;
import dev.lamina.nn.Dense;
import dev.lamina.optim.Adam;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.util.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Saving whole subclassed models (issue #14): a subclass with a public no-argument constructor,
 * or with getConfig() and a Map constructor / static fromConfig(Map), saves by class name and
 * loads back, once its class is registered with {@link CustomObjects}, as a new instance with
 * bitwise the same weights and predictions.
 */
class SubclassedModelSavingTest extends ModelFixture {
    static {
        // Model.load creates registered classes only (Keras: register_keras_serializable)
        CustomObjects.register(NoArgResidual.class);
        CustomObjects.register(ConfiguredResidual.class);
        CustomObjects.register(FactoryResidual.class);
        CustomObjects.register(ConfigOnly.class);
    }

    @TempDir
    Path tmp;

    /** TwoInputResidual with a public no-argument constructor and auto-named layers (names differ per instance). */
    public static final class NoArgResidual extends Model {
        final Dense left = track(new Dense(8, "relu"));
        final Dense right = track(new Dense(8));
        final Dense inner = track(new Dense(8, "tanh"));
        final Dense out = track(new Dense(1));

        public NoArgResidual() {
            super(null);
        }

        @Override
        public int inputCount() {
            return 2;
        }

        @Override
        public Tensor call(Tensor[] x, boolean training) {
            Tensor h = left.apply(x[0], training).add(right.apply(x[1], training));
            return out.apply(h.add(inner.apply(h, training)), training);
        }
    }

    /** TwoInputResidual of configurable width and activation, with batch normalization; rebuilt by its Map constructor. */
    public static final class ConfiguredResidual extends Model {
        final int units;
        final String activation;
        final Dense left;
        final Dense right;
        final BatchNormalization norm;
        final Dense out;

        public ConfiguredResidual(int units, String activation) {
            super(null);
            this.units = units;
            this.activation = activation;
            left = track(new Dense(units, activation));
            right = track(new Dense(units));
            norm = track(new BatchNormalization());
            out = track(new Dense(1));
        }

        public ConfiguredResidual(Map<String, Object> config) {
            this(((Number) config.get("units")).intValue(), (String) config.get("activation"));
        }

        @Override
        public Map<String, Object> getConfig() {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("units", units);
            c.put("activation", activation);
            return c;
        }

        @Override
        public int inputCount() {
            return 2;
        }

        @Override
        public Tensor call(Tensor[] x, boolean training) {
            Tensor h = left.apply(x[0], training).add(right.apply(x[1], training));
            return out.apply(norm.apply(h, training), training);
        }
    }

    /** Rebuilt through a public static fromConfig(Map); its constructor is private. */
    public static final class FactoryResidual extends Model {
        final int units;
        final Dense hidden;
        final Dense last;

        private FactoryResidual(int units) {
            super(null);
            this.units = units;
            hidden = track(new Dense(units, "relu"));
            last = track(new Dense(1));
        }

        public static FactoryResidual fromConfig(Map<String, Object> config) {
            return new FactoryResidual(((Number) config.get("units")).intValue());
        }

        @Override
        public Map<String, Object> getConfig() {
            return Map.of("units", units);
        }

        @Override
        public Tensor call(Tensor[] x, boolean training) {
            return last.apply(hidden.apply(x[0], training), training);
        }
    }

    /** Never registered; its static initializer records whether a load ever initialised it. */
    public static final class Unregistered extends Model {
        static {
            UNREGISTERED_INITIALIZED.set(true);
        }

        final Dense d = track(new Dense(8));

        public Unregistered() {
            super(null);
        }

        @Override
        public Tensor call(Tensor[] x, boolean training) {
            return x[0];
        }
    }

    static final java.util.concurrent.atomic.AtomicBoolean UNREGISTERED_INITIALIZED = new java.util.concurrent.atomic.AtomicBoolean();

    /** getConfig() without a way back. */
    public static final class ConfigOnly extends Model {
        final Dense d = track(new Dense(2));

        public ConfigOnly() {
            super(null);
        }

        @Override
        public Map<String, Object> getConfig() {
            return Map.of("units", 2);
        }

        @Override
        public Tensor call(Tensor[] x, boolean training) {
            return d.apply(x[0], training);
        }
    }

    private Tensor[] inputs(long seed, int n) {
        return new Tensor[] {regression(seed, n, 3)[0], regression(seed + 1, n, 2)[0]};
    }

    /** Saves {@code a} to {@code path}, loads it (other initial weights), and compares weights and predictions bit for bit. */
    private Model roundTrip(Model a, Path path, Tensor[] x) {
        a.save(path);
        Rng.setGlobalSeed(999);   // a fresh instance would start from other weights
        Model b = own(Model.load(path));
        assertEquals(a.getClass(), b.getClass());
        assertEquals(a.weights().size(), b.weights().size());
        assertArrayEquals(weightBits(a), weightBits(b), "weights differ in some bit");
        try (Scope s = Scope.open()) {
            assertArrayEquals(bits(a.predict(x, 7).toFloatArray()), bits(b.predict(x, 7).toFloatArray()), "predictions differ in some bit");
        }
        return b;
    }

    @Test
    void noArgumentSubclassRoundTripsBitwiseInBothFileForms() {
        Rng.setGlobalSeed(41);
        NoArgResidual a = own(new NoArgResidual());
        Tensor[] x = inputs(3, 20);
        try (Scope s = Scope.open()) {
            a.predict(x, 32);
        }
        roundTrip(a, tmp.resolve("dir"), x);
        Model b = roundTrip(a, tmp.resolve("one.safetensors"), x);
        // a second instance in the same JVM has other auto-names: the weights went by structure
        assertNotEquals(a.layers().get(0).name(), b.layers().get(0).name());
    }

    @Test
    void configuredSubclassRoundTripsAfterTrainingWithItsConfig() throws Exception {
        Rng.setGlobalSeed(42);
        ConfiguredResidual a = own(new ConfiguredResidual(6, "tanh"));
        a.compile(new Adam(0.01), new MeanSquaredError());
        Tensor[] x = inputs(5, 32);
        Tensor y = regression(5, 32, 3)[1];
        a.fit(x, y, new FitOptions().epochs(2).batchSize(8).seed(1).verbose(0));
        ConfiguredResidual b = (ConfiguredResidual) roundTrip(a, tmp.resolve("cfg"), x);
        assertEquals(6, b.units);
        assertEquals("tanh", b.activation);
        Map<String, Object> arch = Json.parseObject(Files.readString(tmp.resolve("cfg/config.json"), StandardCharsets.UTF_8));
        assertEquals("Subclassed", arch.get("class_name"));
        @SuppressWarnings("unchecked")
        Map<String, Object> cfg = (Map<String, Object>) arch.get("config");
        assertEquals(ConfiguredResidual.class.getName(), cfg.get("class"));
        assertEquals(Map.of("units", 6L, "activation", "tanh"), cfg.get("config"));
        // the moving statistics (non-trainable) came back too, and differ from their initial values
        assertEquals(2, b.nonTrainableWeights().size());
        float[] movingMean = b.nonTrainableWeights().get(0).toFloatArray();
        boolean moved = false;
        for (float v : movingMean) {
            moved |= v != 0f;
        }
        assertTrue(moved, b.nonTrainableWeights().get(0).name() + " still at its initial zeros");
    }

    @Test
    void staticFromConfigRebuildsTheModel() {
        Rng.setGlobalSeed(43);
        FactoryResidual a = own(FactoryResidual.fromConfig(Map.of("units", 5)));
        Tensor[] x = {regression(7, 9, 4)[0]};
        try (Scope s = Scope.open()) {
            a.predict(x, 32);
        }
        FactoryResidual b = (FactoryResidual) roundTrip(a, tmp.resolve("f.safetensors"), x);
        assertEquals(5, b.units);
    }

    @Test
    void aSubclassThatCannotBeRecreatedIsRefusedNamingWhatToAdd() {
        Rng.setGlobalSeed(44);
        // TwoInputResidual's constructor is package-private
        TwoInputResidual t = own(new TwoInputResidual());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.save(tmp.resolve("t")));
        assertTrue(e.getMessage().contains("TwoInputResidual") && e.getMessage().contains("no public no-argument constructor")
                && e.getMessage().contains("getConfig()") && e.getMessage().contains("saveWeights"), e.getMessage());
        ConfigOnly c = own(new ConfigOnly());
        e = assertThrows(IllegalArgumentException.class, () -> c.save(tmp.resolve("c")));
        assertTrue(e.getMessage().contains("ConfigOnly") && e.getMessage().contains("public constructor taking a Map")
                && e.getMessage().contains("fromConfig(Map)"), e.getMessage());
        Model local = own(new Model(null) {
            @Override
            public Tensor call(Tensor[] x, boolean training) {
                return x[0];
            }
        });
        e = assertThrows(IllegalArgumentException.class, () -> local.save(tmp.resolve("l")));
        assertTrue(e.getMessage().contains("anonymous, local or inner"), e.getMessage());
        assertTrue(!Files.exists(tmp.resolve("t")) && !Files.exists(tmp.resolve("c")) && !Files.exists(tmp.resolve("l")));
    }

    /**
     * Saves a built {@link NoArgResidual} (weights from {@code seed}) to {@code tmp/dirName}.
     *
     * @return the saved config.json
     */
    private Path savedResidual(long seed, String dirName) {
        Rng.setGlobalSeed(seed);
        NoArgResidual a = own(new NoArgResidual());
        try (Scope s = Scope.open()) {
            a.predict(inputs(3, 4), 32);
        }
        Path dir = tmp.resolve(dirName);
        a.save(dir);
        return dir.resolve("config.json");
    }

    /** Rewrites the class name {@code from} in a saved config.json as {@code to}. */
    private static void renameClass(Path cfg, String from, String to) throws java.io.IOException {
        Files.writeString(cfg, Files.readString(cfg, StandardCharsets.UTF_8).replace(from, to), StandardCharsets.UTF_8);
    }

    @Test
    void aClassThatNoLongerExistsOrIsNotAModelIsAClearError() throws Exception {
        Path cfg = savedResidual(45, "gone");
        Path dir = cfg.getParent();
        String text = Files.readString(cfg, StandardCharsets.UTF_8);
        Files.writeString(cfg, text.replace(NoArgResidual.class.getName(), "com.example.RenamedModel"), StandardCharsets.UTF_8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Model.load(dir));
        assertTrue(e.getMessage().contains("com.example.RenamedModel") && e.getMessage().contains("is not registered")
                && e.getMessage().contains("CustomObjects.register(RenamedModel.class)"), e.getMessage());
        Files.writeString(cfg, text.replace(NoArgResidual.class.getName(), "java.lang.Thread"), StandardCharsets.UTF_8);
        e = assertThrows(IllegalArgumentException.class, () -> Model.load(dir));
        assertTrue(e.getMessage().contains("java.lang.Thread") && e.getMessage().contains("is not registered"), e.getMessage());
        // the class changed: another layer count
        Files.writeString(cfg, text.replace(NoArgResidual.class.getName(), ConfigOnly.class.getName()), StandardCharsets.UTF_8);
        e = assertThrows(IllegalArgumentException.class, () -> Model.load(dir));
        assertTrue(e.getMessage().contains("has 1 layers but the saved one had 4"), e.getMessage());
        // the saved shapes build weights the file does not hold: refused, and what was built is freed (fixture's leak check)
        Map<String, Object> arch = Json.parseObject(text);
        @SuppressWarnings("unchecked")
        Map<String, Object> first = (Map<String, Object>) ((java.util.List<Object>) ((Map<String, Object>) arch.get("config")).get("layers")).get(0);
        first.put("build_input_shape", java.util.Arrays.asList(null, 4L));
        Files.writeString(cfg, Json.write(arch), StandardCharsets.UTF_8);
        e = assertThrows(IllegalArgumentException.class, () -> Model.load(dir));
        assertTrue(e.getMessage().contains("float32 (3, 8) in") && e.getMessage().contains("float32 (4, 8) in the model"), e.getMessage());
    }

    @Test
    void anUnregisteredClassIsRefusedBeforeItIsLoadedAndLoadsOnceRegistered() throws Exception {
        Path cfg = savedResidual(47, "unregistered");
        Path dir = cfg.getParent();
        String name = Unregistered.class.getName();
        renameClass(cfg, NoArgResidual.class.getName(), name);
        assertTrue(!CustomObjects.isRegistered(Unregistered.class));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Model.load(dir));
        assertTrue(e.getMessage().contains(name) && e.getMessage().contains("is not registered for loading")
                && e.getMessage().contains("CustomObjects.register(Unregistered.class)") && e.getMessage().contains(cfg.toString()),
                e.getMessage());
        // refused by name: the class named in the file was not even initialised
        assertTrue(!UNREGISTERED_INITIALIZED.get(), "Model.load initialised an unregistered class");
        // a registered class still goes through the remaining checks (here: it has 1 layer, the file 4)
        CustomObjects.register(Unregistered.class);
        CustomObjects.register(Unregistered.class);   // again: a no-op
        assertTrue(CustomObjects.isRegistered(Unregistered.class));
        e = assertThrows(IllegalArgumentException.class, () -> Model.load(dir));
        assertTrue(e.getMessage().contains("has 1 layers but the saved one had 4"), e.getMessage());
    }

    @Test
    void thePropertyRegistersTheClassesItNames() throws Exception {
        Path cfg = savedResidual(48, "by-property");
        Path dir = cfg.getParent();
        String name = PropertyRegistered.class.getName();
        renameClass(cfg, NoArgResidual.class.getName(), name);
        String before = System.getProperty("lamina.customObjects");
        try {
            System.setProperty("lamina.customObjects", "java.lang.String, " + name);
            assertTrue(!CustomObjects.isRegistered(PropertyRegistered.class));
            // named by the property: registered on first use, then the remaining checks (1 layer, the file 4)
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Model.load(dir));
            assertTrue(e.getMessage().contains("has 1 layers but the saved one had 4"), e.getMessage());
            assertTrue(CustomObjects.isRegistered(PropertyRegistered.class));
            // a listed name that is not a model is refused by name
            renameClass(cfg, name, "java.lang.String");
            e = assertThrows(IllegalArgumentException.class, () -> Model.load(dir));
            assertTrue(e.getMessage().contains("java.lang.String, which is not a dev.lamina.models.Model"), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty("lamina.customObjects");
            } else {
                System.setProperty("lamina.customObjects", before);
            }
        }
    }

    /** Registered only through the lamina.customObjects property; one layer. */
    public static class PropertyRegistered extends Model {
        final Dense d = track(new Dense(8));

        public PropertyRegistered() {
            super(null);
        }

        @Override
        public Tensor call(Tensor[] x, boolean training) {
            return x[0];
        }
    }

    @Test
    void onlyConcreteSubclassedModelsCanBeRegistered() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CustomObjects.register(Model.class))
                .getMessage().contains("is not a subclassed model"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CustomObjects.register(Sequential.class))
                .getMessage().contains("is not a subclassed model"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CustomObjects.register(AbstractModel.class))
                .getMessage().contains("is abstract"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CustomObjects.register(null))
                .getMessage().contains("null"));
    }

    /** Abstract: cannot be registered. */
    public abstract static class AbstractModel extends Model {
        protected AbstractModel() {
            super(null);
        }
    }

    @Test
    void kerasArchivesOfSubclassedModelsAreRefused() {
        Rng.setGlobalSeed(46);
        NoArgResidual a = own(new NoArgResidual());
        try (Scope s = Scope.open()) {
            a.predict(inputs(3, 4), 32);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.save(tmp.resolve("m.keras")));
        assertTrue(e.getMessage().contains("NoArgResidual is a subclassed model") && e.getMessage().contains(".safetensors"), e.getMessage());
        assertTrue(!Files.exists(tmp.resolve("m.keras")));
    }
}
