package dev.lamina.backend.cuda;

import java.nio.ByteBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/** JavaCPP pointers and direct buffers over raw host addresses (memory not owned, never freed here). */
final class HostAddress {
    private HostAddress() {
    }

    /** A pointer at {@code address} (no deallocator). */
    static Pointer at(long address) {
        return new Raw(address);
    }

    /** A direct ByteBuffer over {@code bytes} of host memory at {@code address}. */
    static ByteBuffer view(long address, int bytes) {
        if (address == 0 || bytes < 0) {
            throw new IllegalArgumentException("host view of " + bytes + " bytes at 0x" + Long.toHexString(address));
        }
        return new BytePointer(at(address)).capacity(bytes).asByteBuffer();
    }

    private static final class Raw extends Pointer {
        Raw(long rawAddress) {
            // a named parameter: inside a Pointer subclass "address" is the inherited field
            this.address = rawAddress;
        }
    }
}
