package dev.lamina.backend;

import dev.lamina.tensor.DType;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/** Memory management shared by the backends whose storage lives in host memory. */
public abstract class HostBackend implements Backend {
    private final AtomicLong bytesInUse = new AtomicLong();

    @Override
    public Storage allocate(DType dtype, long numel) {
        if (numel < 0) {
            throw new IllegalArgumentException(name() + ".allocate: negative size " + numel);
        }
        HostStorage s = new HostStorage(this, dtype, numel, true);
        bytesInUse.addAndGet(s.bytes());
        return s;
    }

    /** Host memory from {@code malloc}: no zeroing pass (see {@link Backend#allocateUninitialized}). */
    @Override
    public Storage allocateUninitialized(DType dtype, long numel) {
        if (numel < 0) {
            throw new IllegalArgumentException(name() + ".allocateUninitialized: negative size " + numel);
        }
        HostStorage s = new HostStorage(this, dtype, numel, false);
        bytesInUse.addAndGet(s.bytes());
        return s;
    }

    @Override
    public void free(Storage storage) {
        // Storage.release() marks the storage freed before calling here, so host() (which rejects
        // freed storages) cannot be used: check ownership only.
        if (storage.backend() != this || !(storage instanceof HostStorage)) {
            throw new IllegalArgumentException(name() + ".free: storage belongs to backend " + storage.backend().name());
        }
        HostStorage s = (HostStorage) storage;
        s.freeMemory();
        bytesInUse.addAndGet(-s.bytes());
    }

    @Override
    public long bytesInUse() {
        return bytesInUse.get();
    }

    @Override
    public void upload(ByteBuffer src, Storage dst) {
        ByteBuffer d = host(dst).buffer();
        ByteBuffer s = src.duplicate();
        s.limit(s.position() + (int) dst.bytes());
        d.put(s);
    }

    @Override
    public void download(Storage src, ByteBuffer dst) {
        ByteBuffer s = host(src).buffer();
        s.limit((int) src.bytes());
        dst.duplicate().put(s);
    }

    /** The storage as host memory of this backend, or an IllegalArgumentException. */
    protected final HostStorage host(Storage s) {
        if (s.backend() != this || !(s instanceof HostStorage)) {
            throw new IllegalArgumentException(name() + ": storage belongs to backend " + s.backend().name());
        }
        if (s.isFreed()) {
            throw new IllegalStateException(name() + ": storage used after it was freed");
        }
        return (HostStorage) s;
    }
}
