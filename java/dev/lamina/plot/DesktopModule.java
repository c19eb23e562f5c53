package dev.lamina.plot;

/**
 * Whether this Java runtime has the {@code java.desktop} module, which PNG output needs (XChart's
 * charts in {@link Charts}, the digit images of the CNN example). A full JDK has it; the runtime
 * of the lamina bundle ({@code ./mvnw -Pbundle package}) leaves it out to stay under 60 MiB, and
 * there the commands skip their images with a note instead of failing.
 *
 * <p>This class refers to no AWT type, so it loads on any runtime; check it before touching
 * {@link Charts} or other code that uses {@code java.awt}.
 */
public final class DesktopModule {
    private static final boolean AVAILABLE = ModuleLayer.boot().findModule("java.desktop").isPresent();

    private DesktopModule() {
    }

    /** True when {@code java.desktop} is in the boot layer (images can be written). */
    public static boolean available() {
        return AVAILABLE;
    }

    /** Why images are skipped, or null when they are not. */
    public static String unavailableReason() {
        return AVAILABLE ? null
                : "this Java runtime has no java.desktop module (the lamina bundle's runtime leaves it out), "
                        + "so no PNG is written";
    }
}
