package dev.lamina.backend;

import java.util.List;

/**
 * One backend implementation as {@link Backends} finds it: a service registered in
 * {@code META-INF/services/dev.lamina.backend.BackendProvider} and loaded with
 * {@link java.util.ServiceLoader}, so that the {@code backend} package names no implementation
 * (the implementations depend on {@code backend}, never the other way round).
 *
 * <p>A provider is created when {@link Backends} is first asked for a backend; it must be cheap to
 * construct and must not load native code or probe a device until {@link #backend()} or
 * {@link #unavailableReason()} is called.
 */
public interface BackendProvider {

    /**
     * The backend's name, as {@link Backends#byName} and {@code -Dlamina.backend} accept it.
     *
     * @return the lower-case name: reference, cpu or cuda
     */
    String name();

    /**
     * Other names {@link Backends#byName} accepts for this backend.
     *
     * @return lower-case aliases (ref, gpu), none by default
     */
    default List<String> aliases() {
        return List.of();
    }

    /**
     * The process-wide instance of this backend, created on first use.
     *
     * @return the backend; it may be unusable here (see {@link #unavailableReason()})
     */
    Backend backend();

    /**
     * Why this backend cannot run on this machine. Never throws.
     *
     * @return the reason, or null when the backend is usable (the default)
     */
    default String unavailableReason() {
        return null;
    }
}
