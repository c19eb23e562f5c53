package dev.lamina.models;

import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The subclassed models that {@link Model#load} may create, as Keras's
 * {@code @keras.saving.register_keras_serializable()}: a saved subclassed model names its class,
 * and loading runs that class's constructor (or {@code fromConfig}), so a file could otherwise make
 * the loader run the code of any {@code Model} subclass on the class path. A load creates only a
 * class registered here, looked up by its binary name; any other name is refused with an
 * {@link IllegalArgumentException} that names the class and this method, before the class is even
 * loaded.
 *
 * <pre>{@code
 * CustomObjects.register(MyModel.class);   // once, before loading: the code of MyModel is trusted
 * MyModel m = Model.load(path);
 * }</pre>
 *
 * <p>Saving needs no registration. The registry is global to the JVM and thread-safe; registering
 * a class again is a no-op.
 *
 * <p>Where no code of the application can call {@code register} (it only sets JVM options), the system
 * property {@code lamina.customObjects}, a comma-separated list of binary class names (e.g.
 * {@code LAMINA_JAVA_OPTS=-Dlamina.customObjects=com.acme.MyModel}), registers those classes on
 * first use: whoever sets the JVM's options already chooses the code it runs. A name on that list
 * that is not a concrete subclassed model is refused like {@link #register}.
 */
public final class CustomObjects {
    private static final Map<String, Class<? extends Model>> MODELS = new ConcurrentHashMap<>();

    private CustomObjects() {
    }

    /**
     * Allows {@link Model#load} to create {@code modelClass} from a saved file.
     *
     * @param modelClass a concrete subclass of {@link Model} (not {@link Sequential}, which loads
     *     without registration)
     * @throws IllegalArgumentException when {@code modelClass} is null, {@code Model} itself, a
     *     {@code Sequential}, abstract, or another class of the same name is registered already
     */
    public static void register(Class<? extends Model> modelClass) {
        if (modelClass == null) {
            throw new IllegalArgumentException("CustomObjects.register: the class is null");
        }
        if (modelClass == Model.class || Sequential.class.isAssignableFrom(modelClass)
                || !Model.class.isAssignableFrom(modelClass)) {
            throw new IllegalArgumentException("CustomObjects.register: " + modelClass.getName()
                    + " is not a subclassed model (Model itself, Sequential and functional models load without registration)");
        }
        if (Modifier.isAbstract(modelClass.getModifiers())) {
            throw new IllegalArgumentException("CustomObjects.register: " + modelClass.getName() + " is abstract and cannot be created");
        }
        Class<? extends Model> before = MODELS.putIfAbsent(modelClass.getName(), modelClass);
        if (before != null && before != modelClass) {
            throw new IllegalArgumentException("CustomObjects.register: another class named " + modelClass.getName()
                    + " (from another class loader) is registered already");
        }
    }

    /**
     * Whether {@code modelClass} is registered.
     *
     * @param modelClass the class
     * @return true when {@link Model#load} may create it
     */
    public static boolean isRegistered(Class<?> modelClass) {
        return modelClass != null && MODELS.get(modelClass.getName()) == modelClass;
    }

    /** The registered class of binary name {@code name}, or null; also those named by {@code lamina.customObjects}. */
    static Class<? extends Model> registered(String name) {
        Class<? extends Model> c = MODELS.get(name);
        if (c == null && namedByProperty(name)) {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            if (loader == null) {
                loader = CustomObjects.class.getClassLoader();
            }
            Class<?> k;
            try {
                k = Class.forName(name, false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                throw new IllegalArgumentException("lamina.customObjects names " + name
                        + ", which cannot be found on the class path", e);
            }
            if (!Model.class.isAssignableFrom(k)) {
                throw new IllegalArgumentException("lamina.customObjects names " + name + ", which is not a dev.lamina.models.Model");
            }
            register(k.asSubclass(Model.class));
            c = MODELS.get(name);
        }
        return c;
    }

    private static boolean namedByProperty(String name) {
        String list = System.getProperty("lamina.customObjects", "");
        for (String n : list.split(",")) {
            if (n.trim().equals(name)) {
                return true;
            }
        }
        return false;
    }
}
