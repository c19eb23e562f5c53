package dev.lamina.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.cpu.CpuBackend;
import dev.lamina.backend.cuda.CudaBackend;
import dev.lamina.backend.reference.ReferenceBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** {@link Backends} finds the three implementations through {@link BackendProvider} services. */
class BackendsTest {

    @Test
    void providersAreRegisteredInOrder() {
        List<String> names = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            names.add(p.name());
        }
        assertEquals(List.of("reference", "cpu", "cuda"), names);
    }

    @Test
    void namesAndAliasesGiveTheSingletons() {
        assertSame(ReferenceBackend.INSTANCE, Backends.reference());
        assertSame(CpuBackend.instance(), Backends.cpu());
        assertSame(CudaBackend.instance(), Backends.cuda());
        assertSame(Backends.reference(), Backends.byName("reference"));
        assertSame(Backends.reference(), Backends.byName(" REF "));
        assertSame(Backends.cpu(), Backends.byName("Cpu"));
    }

    @Test
    void unknownNameListsTheProviders() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.byName("tpu"));
        assertEquals("unknown backend 'tpu' (expected reference, cpu or cuda)", e.getMessage());
    }

    @Test
    void cudaByNameIsRefusedWithTheProbesReasonWhereUnusable() {
        for (String name : List.of("cuda", "gpu")) {
            if (CudaBackend.instance().isAvailable()) {
                assertSame(CudaBackend.instance(), Backends.byName(name));
            } else {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.byName(name));
                assertEquals("backend cuda is not usable here: " + CudaBackend.unavailableReason(), e.getMessage());
                assertTrue(CudaBackend.unavailableReason() != null);
            }
        }
    }
}
