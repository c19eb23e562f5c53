package dev.lamina.models;

import dev.lamina.nn.Layer;
import dev.lamina.util.Json;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Saving and re-creating subclassed models, as Keras 3 saves a subclassed model that has
 * {@code get_config()}: the saved architecture is the class's binary name, its config and the
 * input shape each tracked layer was built for; loading creates a fresh instance through
 * reflection, builds its layers for those shapes (what a first {@code predict} does) and then
 * takes the weights by structure ({@link WeightNames}).
 *
 * <p>A subclass is re-created by, in this order: when {@link Model#getConfig()} returns a map, a
 * public constructor taking a {@code Map} or a public static {@code fromConfig(Map)} returning the
 * model; otherwise a public constructor without arguments. Only a class registered with
 * {@link CustomObjects#register} is created (Keras: {@code register_keras_serializable}): loading
 * runs the code of the class the file names, so an unregistered name is refused before any class
 * of that name is loaded, with an error naming the class and how to register it.
 *
 * <p>Saved {@code config} of class name {@code Subclassed}:
 * {@code {"class": "com.example.MyModel", "config": {...} or null, "layers": [{"class_name":
 * "Dense", "build_input_shape": [null, 3]}, ...]}}.
 */
final class SubclassedModels {
    static final String CLASS_NAME = "Subclassed";
    private static final Set<String> CONFIG_KEYS = Set.of("class", "config", "layers");
    private static final Set<String> LAYER_KEYS = Set.of("class_name", "build_input_shape");

    private SubclassedModels() {
    }

    /** A subclassed (not Sequential, not a plain functional) model. */
    static boolean isSubclassed(Model model) {
        return !(model instanceof Sequential) && model.getClass() != Model.class;
    }

    /**
     * The saved config of a subclassed model; an IllegalArgumentException naming what to add when
     * the class cannot be re-created.
     */
    static Map<String, Object> write(Model model) {
        Class<? extends Model> c = model.getClass();
        Map<String, Object> own = model.getConfig();
        String problem = null;
        if (c.isAnonymousClass() || c.isLocalClass() || c.isSynthetic()
                || (c.getEnclosingClass() != null && !Modifier.isStatic(c.getModifiers()))) {
            problem = "it is an anonymous, local or inner (non-static) class, which cannot be created by name; make it a top-level or static nested class";
        } else if (own != null) {
            if (mapConstructor(c) == null && fromConfigMethod(c) == null) {
                problem = "getConfig() returns a config but the class has neither a public constructor taking a Map nor a"
                        + " public static fromConfig(Map) to rebuild it from that config";
            }
        } else if (noArgConstructor(c) == null) {
            problem = "it has no public no-argument constructor; add one, or override getConfig() (a Map of JSON values)"
                    + " together with a public constructor taking that Map (or a public static fromConfig(Map))";
        }
        if (problem != null) {
            throw new IllegalArgumentException("save: cannot save the architecture of subclassed model "
                    + c.getSimpleName() + ": " + problem + " (or use saveWeights and rebuild the model in code)");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("class", c.getName());
        if (own != null) {
            try {
                // checks that the values are JSON (a map, list, string, number, boolean or null)
                out.put("config", Json.parseObject(Json.write(own)));
            } catch (Json.JsonException e) {
                throw new IllegalArgumentException("save: " + c.getSimpleName() + ".getConfig() is not JSON: " + e.getMessage(), e);
            }
        } else {
            out.put("config", null);
        }
        List<Object> layers = new ArrayList<>();
        for (Layer l : model.allLayers()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("class_name", l.className());
            if (l.isBuilt()) {
                List<Object> shape = new ArrayList<>();
                for (long d : l.builtInputShape()) {
                    shape.add(d < 0 ? null : (Object) d);
                }
                e.put("build_input_shape", shape);
            }
            layers.add(e);
        }
        out.put("layers", layers);
        return out;
    }

    /**
     * Creates the saved class and builds its layers for the saved shapes; every problem is an
     * IllegalArgumentException naming {@code source}. The weights are not loaded here.
     */
    @SuppressWarnings("unchecked")
    static Model read(Map<String, Object> config, String source) {
        for (String k : config.keySet()) {
            if (!CONFIG_KEYS.contains(k)) {
                throw new IllegalArgumentException("load: " + source + ": unknown field 'config." + k + "' (known: [class, config, layers])");
            }
        }
        if (!(config.get("class") instanceof String className)) {
            throw new IllegalArgumentException("load: " + source + ": field 'config.class' must be a class name, got "
                    + Json.write(config.get("class")));
        }
        Object own = config.get("config");
        if (own != null && !(own instanceof Map)) {
            throw new IllegalArgumentException("load: " + source + ": field 'config.config' must be an object or null, got " + Json.write(own));
        }
        if (!(config.get("layers") instanceof List<?> layers)) {
            throw new IllegalArgumentException("load: " + source + ": field 'config.layers' must be a list, got " + Json.write(config.get("layers")));
        }
        Class<? extends Model> c = modelClass(className, source);
        Model model = create(c, (Map<String, Object>) own, source);
        try {
            List<Layer> have = model.allLayers();
            if (have.size() != layers.size()) {
                throw new IllegalArgumentException("load: " + source + ": a new " + className + " has " + have.size()
                        + " layers but the saved one had " + layers.size() + " (the class changed since the save?)");
            }
            for (int i = 0; i < layers.size(); i++) {
                String where = "load: " + source + ": layer " + i;
                if (!(layers.get(i) instanceof Map<?, ?> entry)) {
                    throw new IllegalArgumentException(where + " must be an object, got " + Json.write(layers.get(i)));
                }
                for (Object k : entry.keySet()) {
                    if (!LAYER_KEYS.contains(k)) {
                        throw new IllegalArgumentException(where + ": unknown field '" + k + "' (known: [build_input_shape, class_name])");
                    }
                }
                Layer l = have.get(i);
                if (!l.className().equals(entry.get("class_name"))) {
                    throw new IllegalArgumentException(where + " was a " + Json.write(entry.get("class_name")) + " but a new "
                            + className + " has a " + l.className() + " there (the class changed since the save?)");
                }
                Object shape = entry.get("build_input_shape");
                if (shape != null) {
                    l.ensureBuilt(LayerConfigs.buildShape(shape, where));
                }
            }
            return model;
        } catch (RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    /**
     * The registered class of binary name {@code name}. A name that is not registered is refused
     * without loading the class: creating it runs its code, which the file alone cannot vouch for.
     */
    private static Class<? extends Model> modelClass(String name, String source) {
        Class<? extends Model> c = CustomObjects.registered(name);
        if (c == null) {
            String simple = name.substring(Math.max(name.lastIndexOf('.'), name.lastIndexOf('$')) + 1);
            throw new IllegalArgumentException("load: " + source + ": the saved model's class " + name
                    + " is not registered for loading: loading runs the code of the class a file names, so only registered"
                    + " classes are created; if you trust it, call CustomObjects.register(" + simple + ".class) before"
                    + " Model.load (Keras: register_keras_serializable)");
        }
        return c;
    }

    private static Model create(Class<? extends Model> c, Map<String, Object> own, String source) {
        try {
            if (own != null) {
                Constructor<? extends Model> k = mapConstructor(c);
                if (k != null) {
                    k.setAccessible(true);
                    return k.newInstance(own);
                }
                Method m = fromConfigMethod(c);
                if (m == null) {
                    throw new IllegalArgumentException("load: " + source + ": " + c.getName()
                            + " has neither a public constructor taking a Map nor a public static fromConfig(Map)");
                }
                m.setAccessible(true);
                return c.cast(m.invoke(null, own));
            }
            Constructor<? extends Model> k = noArgConstructor(c);
            if (k == null) {
                throw new IllegalArgumentException("load: " + source + ": " + c.getName() + " has no public no-argument constructor");
            }
            k.setAccessible(true);
            return k.newInstance();
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw new IllegalArgumentException("load: " + source + ": creating " + c.getName() + " failed: " + cause, cause);
        } catch (ReflectiveOperationException | RuntimeException e) {
            if (e instanceof IllegalArgumentException && e.getMessage() != null && e.getMessage().startsWith("load: ")) {
                throw (IllegalArgumentException) e;
            }
            throw new IllegalArgumentException("load: " + source + ": cannot create " + c.getName() + ": " + e, e);
        }
    }

    private static Constructor<? extends Model> noArgConstructor(Class<? extends Model> c) {
        return publicConstructor(c);
    }

    private static Constructor<? extends Model> mapConstructor(Class<? extends Model> c) {
        return publicConstructor(c, Map.class);
    }

    /** The public constructor of a concrete {@code c} taking {@code params}, or null. */
    private static Constructor<? extends Model> publicConstructor(Class<? extends Model> c, Class<?>... params) {
        if (Modifier.isAbstract(c.getModifiers())) {
            return null;
        }
        try {
            return c.getConstructor(params);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static Method fromConfigMethod(Class<? extends Model> c) {
        try {
            Method m = c.getMethod("fromConfig", Map.class);
            return Modifier.isStatic(m.getModifiers()) && m.getDeclaringClass() == c && c.isAssignableFrom(m.getReturnType()) ? m : null;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }
}
