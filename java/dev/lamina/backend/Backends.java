package dev.lamina.backend;

import dev.lamina.backend.cpu.CpuBackend;
import dev.lamina.backend.cuda.CudaBackend;
import dev.lamina.backend.reference.ReferenceBackend;
import java.util.Locale;

/**
 * Where tensors are created: the process-wide default backend and a per-thread override.
 *
 * <p>The default comes from the system property {@code lamina.backend} or the environment
 * variable {@code LAMINA_BACKEND} ({@code reference}, {@code cpu} or {@code cuda}); without
 * either it is cuda when a usable device is present, else cpu.
 */
public final class Backends {
    private static final ThreadLocal<Backend> CURRENT = new ThreadLocal<>();
    private static volatile Backend defaultBackend;

    private Backends() {
    }

    public static Backend reference() {
        return ReferenceBackend.INSTANCE;
    }

    public static Backend cpu() {
        return CpuBackend.instance();
    }

    /** The cuda backend; check {@link Backend#isAvailable()} before use. */
    public static Backend cuda() {
        return CudaBackend.instance();
    }

    /** A backend by name: reference, cpu or cuda (an unusable cuda is an IllegalArgumentException). */
    public static Backend byName(String name) {
        switch (name.toLowerCase(Locale.ROOT).trim()) {
            case "reference":
            case "ref":
                return reference();
            case "cpu":
                return cpu();
            case "cuda":
            case "gpu": {
                Backend c = cuda();
                if (!c.isAvailable()) {
                    throw new IllegalArgumentException("backend cuda is not usable here: " + CudaBackend.unavailableReason());
                }
                return c;
            }
            default:
                throw new IllegalArgumentException("unknown backend '" + name + "' (expected reference, cpu or cuda)");
        }
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
}
