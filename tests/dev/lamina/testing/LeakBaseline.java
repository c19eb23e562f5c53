package dev.lamina.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lamina.backend.Backend;
import dev.lamina.backend.NativeMemory;

/**
 * A backend's bytes in use at the start of a test, for the leak check at its end. The cleaner
 * (NativeMemory) may free an earlier test's forgotten tensors while this test runs; those bytes are
 * added back, so the check stays exact: any byte this test leaves behind still fails it.
 */
public record LeakBaseline(Backend backend, long bytes, long cleanedBefore) {

    /** Takes the baseline of {@code backend} now. */
    public static LeakBaseline of(Backend backend) {
        return new LeakBaseline(backend, backend.bytesInUse(), NativeMemory.leakedBytesFreed());
    }

    /** Fails with {@code what} when the backend holds more or fewer bytes than at the baseline. */
    public void assertNoLeak(String what) {
        long cleaned = NativeMemory.leakedBytesFreed() - cleanedBefore;
        assertEquals(bytes, backend.bytesInUse() + cleaned,
                what + " (" + cleaned + " bytes of earlier leaks freed by the cleaner meanwhile)");
    }
}
