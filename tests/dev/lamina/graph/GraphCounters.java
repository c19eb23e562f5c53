package dev.lamina.graph;

/** Test access to the graph package's process-wide counters, for tests of other packages. */
public final class GraphCounters {
    private GraphCounters() {
    }

    /**
     * Replays of any traced function in this process so far.
     *
     * @return the count
     */
    public static long replays() {
        return TracedFunction.REPLAYS.get();
    }
}
