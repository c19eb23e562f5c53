package dev.lamina.backend.cpu;

import dev.lamina.backend.Backend;
import dev.lamina.backend.BackendProvider;

/** Registers the {@link CpuBackend} with {@link dev.lamina.backend.Backends} (ServiceLoader). */
public final class CpuBackendProvider implements BackendProvider {

    /** The provider (ServiceLoader calls this); the native library loads on {@link #backend()}. */
    public CpuBackendProvider() {
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public Backend backend() {
        return CpuBackend.instance();
    }
}
