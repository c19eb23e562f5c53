package dev.lamina.backend.cuda;

import dev.lamina.backend.Backend;
import dev.lamina.backend.BackendProvider;
import java.util.List;

/**
 * Registers the {@link CudaBackend} with {@link dev.lamina.backend.Backends} (ServiceLoader). The
 * device is probed on the first call of {@link #unavailableReason()} or of the backend's
 * {@code isAvailable()}, not when the provider is created.
 */
public final class CudaBackendProvider implements BackendProvider {

    /** The provider (ServiceLoader calls this). */
    public CudaBackendProvider() {
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public List<String> aliases() {
        return List.of("gpu");
    }

    @Override
    public Backend backend() {
        return CudaBackend.instance();
    }

    @Override
    public String unavailableReason() {
        return CudaBackend.instance().isAvailable() ? null : CudaBackend.unavailableReason();
    }
}
