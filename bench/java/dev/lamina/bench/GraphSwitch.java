package dev.lamina.bench;

import dev.lamina.models.FitOptions;
import java.lang.reflect.Method;

/**
 * The {@code --graph on|off} option of {@code lamina bench fit}: sets the system property
 * {@code lamina.graph} (which a traced {@code fit} honours) and, where {@link FitOptions} has a
 * {@code graph(boolean)} option, sets that too. Reflection keeps this benchmark compiling in builds
 * without the graph API; there it reports that the fit runs eagerly.
 */
final class GraphSwitch {
    private GraphSwitch() {
    }

    /** FitOptions.graph(boolean), or null when this build has no graph API. */
    static Method graphOption() {
        try {
            return FitOptions.class.getMethod("graph", boolean.class);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /**
     * Applies the choice (null: the build's default) to the property and the options; returns what
     * to print after {@code graph:}.
     */
    static String apply(Boolean on, FitOptions options) {
        Method m = graphOption();
        if (on != null) {
            System.setProperty("lamina.graph", on.toString());
        }
        if (m == null) {
            return "graph API not available in this build (eager)";
        }
        if (on == null) {
            return "default (lamina.graph=" + System.getProperty("lamina.graph", "unset") + ")";
        }
        try {
            m.invoke(options, on);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("FitOptions.graph(" + on + ") failed", e);
        }
        return on ? "on" : "off";
    }
}
