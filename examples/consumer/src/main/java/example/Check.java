package example;

/** A failed check ends the run with exit code 1 (see {@link AllExamples}). */
final class Check {
    private Check() {
    }

    static void that(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("check failed: " + what);
        }
        System.out.println("  ok: " + what);
    }
}
