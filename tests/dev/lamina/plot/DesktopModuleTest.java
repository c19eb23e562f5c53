package dev.lamina.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** DesktopModule answers from the boot layer; on a full JDK (Maven's test run) the module is there. */
class DesktopModuleTest {
    @Test
    void answersFromTheBootLayer() {
        boolean present = ModuleLayer.boot().findModule("java.desktop").isPresent();
        assertEquals(present, DesktopModule.available());
        if (present) {
            assertNull(DesktopModule.unavailableReason());
        } else {
            assertTrue(DesktopModule.unavailableReason().contains("java.desktop"));
        }
    }

    @Test
    void presentOnAFullJdk() {
        // the build and its test run use a full JDK; only the bundle's jlink runtime lacks the module
        if (System.getProperty("lamina.home", "").isEmpty()) {
            assertTrue(DesktopModule.available(), "java.desktop missing from " + System.getProperty("java.home"));
        }
    }
}
