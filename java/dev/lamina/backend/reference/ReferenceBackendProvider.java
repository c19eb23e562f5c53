package dev.lamina.backend.reference;

import dev.lamina.backend.Backend;
import dev.lamina.backend.BackendProvider;
import java.util.List;

/** Registers the {@link ReferenceBackend} with {@link dev.lamina.backend.Backends} (ServiceLoader). */
public final class ReferenceBackendProvider implements BackendProvider {

    /** The provider (ServiceLoader calls this). */
    public ReferenceBackendProvider() {
    }

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public List<String> aliases() {
        return List.of("ref");
    }

    @Override
    public Backend backend() {
        return ReferenceBackend.INSTANCE;
    }
}
