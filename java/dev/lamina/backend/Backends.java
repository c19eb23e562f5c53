package dev.lamina.backend;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Where tensors are created: the process-wide default backend and a per-thread override.
 *
 * <p>The default comes from the system property {@code lamina.backend} or the environment
 * variable {@code LAMINA_BACKEND} ({@code reference}, {@code cpu} or {@code cuda}); without
 * either it is cuda when a usable device is present, else cpu.
 *
 * <p>The implementations are {@link BackendProvider} services (listed in
 * {@code META-INF/services/dev.lamina.backend.BackendProvider}), loaded once on first use, so this
 * package depends on none of them.
 */
public final class Backends {
    private static final ThreadLocal<Backend> CURRENT = new ThreadLocal<>();
    private static volatile Backend defaultBackend;

    private Backends() {
    }

    /**
     * The pure-Java reference backend, the oracle the others are checked against.
     *
     * @return the reference backend
     */
    public static Backend reference() {
        return Providers.named("reference").backend();
    }

    /**
     * The cpu backend (OpenBLAS and the C++ kernels; loads its native library on first use).
     *
     * @return the cpu backend
     */
    public static Backend cpu() {
        return Providers.named("cpu").backend();
    }

    /**
     * The cuda backend; check {@link Backend#isAvailable()} before use.
     *
     * @return the cuda backend, usable or not
     */
    public static Backend cuda() {
        return Providers.named("cuda").backend();
    }

    /**
     * A backend by name or alias: reference (ref), cpu or cuda (gpu).
     *
     * @param name the name, any case, surrounding blanks ignored
     * @return the backend
     * @throws IllegalArgumentException for an unknown name, or a backend that cannot run here
     *     (the message gives the provider's reason)
     */
    public static Backend byName(String name) {
        BackendProvider p = Providers.BY_NAME.get(name.toLowerCase(Locale.ROOT).trim());
        if (p == null) {
            throw new IllegalArgumentException("unknown backend '" + name + "' (expected " + Providers.names() + ")");
        }
        String reason = p.unavailableReason();
        if (reason != null) {
            throw new IllegalArgumentException("backend " + p.name() + " is not usable here: " + reason);
        }
        return p.backend();
    }

    /** The process default (see class doc). */
    public static Backend defaultBackend() {
        Backend b = defaultBackend;
        if (b == null) {
            synchronized (Backends.class) {
                if (defaultBackend == null) {
                    defaultBackend = chooseDefault();
                }
                b = defaultBackend;
            }
        }
        return b;
    }

    /** Sets the process default backend. */
    public static void setDefault(Backend backend) {
        defaultBackend = backend;
    }

    /** The backend new tensors go to on this thread: the innermost {@link #use} or the default. */
    public static Backend current() {
        Backend b = CURRENT.get();
        return b != null ? b : defaultBackend();
    }

    /**
     * Makes {@code backend} current on this thread until the returned handle is closed:
     * {@code try (var u = Backends.use(Backends.cpu())) { ... }}.
     */
    public static Use use(Backend backend) {
        Backend previous = CURRENT.get();
        CURRENT.set(backend);
        return new Use(previous);
    }

    /** Restores the previous current backend when closed. */
    public static final class Use implements AutoCloseable {
        private final Backend previous;
        private boolean closed;

        private Use(Backend previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                CURRENT.set(previous);
            }
        }
    }

    /**
     * The backend the property or environment variable names; without either, cuda when a device
     * is usable, else cpu. A named backend that cannot run here is an IllegalArgumentException
     * whose one-line message names the setting, the probe's reason and the way out (the CLI prints
     * it and exits with code 2).
     */
    private static Backend chooseDefault() {
        String source = "-Dlamina.backend";
        String name = System.getProperty("lamina.backend");
        if (name == null || name.isBlank()) {
            source = "LAMINA_BACKEND";
            name = System.getenv("LAMINA_BACKEND");
        }
        if (name != null && !name.isBlank()) {
            try {
                return byName(name);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + "=" + name.trim() + ": " + e.getMessage()
                        + " (unset " + source + " to run on the cpu backend, or choose reference or cpu)", e);
            }
        }
        Backend c = cuda();
        return c.isAvailable() ? c : cpu();
    }

    /** The registered providers, loaded once (holder class: on first use, thread-safe). */
    private static final class Providers {
        /** Provider by name and by alias, in registration order. */
        static final Map<String, BackendProvider> BY_NAME;
        /** The providers' names, in registration order. */
        static final List<String> NAMES;

        static {
            Map<String, BackendProvider> byName = new LinkedHashMap<>();
            List<String> names = new ArrayList<>();
            for (BackendProvider p : ServiceLoader.load(BackendProvider.class, BackendProvider.class.getClassLoader())) {
                if (byName.putIfAbsent(p.name(), p) == null) {
                    names.add(p.name());
                }
                for (String alias : p.aliases()) {
                    byName.putIfAbsent(alias, p);
                }
            }
            BY_NAME = Collections.unmodifiableMap(byName);
            NAMES = List.copyOf(names);
        }

        private Providers() {
        }

        static BackendProvider named(String name) {
            BackendProvider p = BY_NAME.get(name);
            if (p == null) {
                throw new IllegalStateException("no backend provider named '" + name + "' on the class path (found "
                        + NAMES + "; META-INF/services/" + BackendProvider.class.getName() + " missing from the jar?)");
            }
            return p;
        }

        /** "reference, cpu or cuda". */
        static String names() {
            int n = NAMES.size();
            return n <= 1 ? String.join("", NAMES) : String.join(", ", NAMES.subList(0, n - 1)) + " or " + NAMES.get(n - 1);
        }
    }
}
