package dev.lamina.backend;

import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Memory management shared by the backends whose storage lives in host memory, and the pinning of
 * every kernel call.
 *
 * <p>Each public kernel method here is final: it {@linkplain Storage#pin() pins} the storages it is
 * given, runs the subclass's {@code ...Kernel} method and unpins them. A tensor closed by another
 * thread while the kernel runs is therefore freed when the kernel returns, not while it reads the
 * memory; a storage already freed when the call starts is an {@link IllegalStateException}. Pins
 * also keep the storages reachable, so the cleaner safety net ({@link NativeMemory}) never frees
 * memory a kernel is using.
 */
public abstract class HostBackend implements Backend {
    private final AtomicLong bytesInUse = new AtomicLong();

    @Override
    public Storage allocate(DType dtype, long numel) {
        return allocate(dtype, numel, true, name() + ".allocate");
    }

    /** Host memory from {@code malloc}: no zeroing pass (see {@link Backend#allocateUninitialized}). */
    @Override
    public Storage allocateUninitialized(DType dtype, long numel) {
        return allocate(dtype, numel, false, name() + ".allocateUninitialized");
    }

    private Storage allocate(DType dtype, long numel, boolean zeroed, String op) {
        long bytes = HostStorage.byteSize(op, dtype, numel);
        HostStorage s = new HostStorage(this, dtype, numel, zeroed, op, () -> bytesInUse.addAndGet(-bytes));
        bytesInUse.addAndGet(bytes);
        return s;
    }

    @Override
    public void free(Storage storage) {
        // Storage.release() marks the storage freed before calling here, so host() (which rejects
        // freed storages) cannot be used: check ownership only.
        if (storage.backend() != this || !(storage instanceof HostStorage)) {
            throw new IllegalArgumentException(name() + ".free: storage belongs to backend " + storage.backend().name());
        }
        ((HostStorage) storage).freeMemory();
    }

    @Override
    public long bytesInUse() {
        return bytesInUse.get();
    }

    @Override
    public final void upload(ByteBuffer src, Storage dst) {
        host(dst);
        if (src.remaining() < dst.bytes()) {
            throw new IllegalArgumentException(name() + ".upload: " + dst.bytes() + " bytes needed, the buffer has "
                    + src.remaining());
        }
        dst.pin();
        try {
            ByteBuffer d = host(dst).buffer();
            ByteBuffer s = src.duplicate();
            s.limit(s.position() + (int) dst.bytes());
            d.put(s);
        } finally {
            dst.unpin();
        }
    }

    @Override
    public final void download(Storage src, ByteBuffer dst) {
        host(src);
        if (dst.remaining() < src.bytes()) {
            throw new IllegalArgumentException(name() + ".download: " + src.bytes() + " bytes to copy, the buffer has room for "
                    + dst.remaining());
        }
        src.pin();
        try {
            ByteBuffer s = host(src).buffer();
            s.limit((int) src.bytes());
            dst.duplicate().put(s);
        } finally {
            src.unpin();
        }
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

    // ---- pinning ------------------------------------------------------------------------------

    /** Pins the non-null storages in order; on failure unpins those already pinned and rethrows. */
    private static void pin(Storage... ss) {
        for (int i = 0; i < ss.length; i++) {
            if (ss[i] == null) {
                continue;
            }
            try {
                ss[i].pin();
            } catch (RuntimeException e) {
                unpin(ss, i);
                throw e;
            }
        }
    }

    private static void unpin(Storage[] ss, int count) {
        for (int i = count - 1; i >= 0; i--) {
            if (ss[i] != null) {
                ss[i].unpin();
            }
        }
    }

    private static void unpin(Storage... ss) {
        unpin(ss, ss.length);
    }

    // ---- pinned kernels: the public methods pin, the ...Kernel methods compute -------------------

    @Override
    public final void fill(Storage out, double value) {
        pin(out);
        try {
            fillKernel(out, value);
        } finally {
            unpin(out);
        }
    }

    @Override
    public final void cast(Storage x, Storage out) {
        pin(x, out);
        try {
            castKernel(x, out);
        } finally {
            unpin(x, out);
        }
    }

    @Override
    public final void copyStrided(Storage src, long srcOffset, long[] srcStrides,
                                  Storage dst, long dstOffset, long[] dstStrides, long[] shape) {
        pin(src, dst);
        try {
            copyStridedKernel(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape);
        } finally {
            unpin(src, dst);
        }
    }

    @Override
    public final void unary(UnaryOp op, Storage x, Storage out) {
        pin(x, out);
        try {
            unaryKernel(op, x, out);
        } finally {
            unpin(x, out);
        }
    }

    @Override
    public final void binary(BinaryOp op, Storage a, long[] aStrides, Storage b, long[] bStrides,
                             Storage out, long[] outShape) {
        pin(a, b, out);
        try {
            binaryKernel(op, a, aStrides, b, bStrides, out, outShape);
        } finally {
            unpin(a, b, out);
        }
    }

    @Override
    public final void reduce(ReduceOp op, Storage x, long outer, long n, long inner, Storage out) {
        pin(x, out);
        try {
            reduceKernel(op, x, outer, n, inner, out);
        } finally {
            unpin(x, out);
        }
    }

    @Override
    public final void matmul(Storage a, Storage b, Storage out, long batch, long m, long n, long k,
                             boolean transA, boolean transB, long strideA, long strideB) {
        pin(a, b, out);
        try {
            matmulKernel(a, b, out, batch, m, n, k, transA, transB, strideA, strideB);
        } finally {
            unpin(a, b, out);
        }
    }

    @Override
    public final void softmax(Storage x, Storage out, long outer, long n, long inner, boolean log) {
        pin(x, out);
        try {
            softmaxKernel(x, out, outer, n, inner, log);
        } finally {
            unpin(x, out);
        }
    }

    @Override
    public final void gather(Storage table, long rowSize, Storage ids, Storage out) {
        pin(table, ids, out);
        try {
            gatherKernel(table, rowSize, ids, out);
        } finally {
            unpin(table, ids, out);
        }
    }

    @Override
    public final void scatterAdd(Storage src, long rowSize, Storage ids, Storage out) {
        pin(src, ids, out);
        try {
            scatterAddKernel(src, rowSize, ids, out);
        } finally {
            unpin(src, ids, out);
        }
    }

    @Override
    public final void oneHot(Storage ids, long depth, Storage out) {
        pin(ids, out);
        try {
            oneHotKernel(ids, depth, out);
        } finally {
            unpin(ids, out);
        }
    }

    @Override
    public final void conv2dForward(Storage x, Storage kernel, Storage out, ConvGeometry geom) {
        pin(x, kernel, out);
        try {
            conv2dForwardKernel(x, kernel, out, geom);
        } finally {
            unpin(x, kernel, out);
        }
    }

    @Override
    public final void conv2dBackwardInput(Storage dy, Storage kernel, Storage dx, ConvGeometry geom) {
        pin(dy, kernel, dx);
        try {
            conv2dBackwardInputKernel(dy, kernel, dx, geom);
        } finally {
            unpin(dy, kernel, dx);
        }
    }

    @Override
    public final void conv2dBackwardFilter(Storage x, Storage dy, Storage dkernel, ConvGeometry geom) {
        pin(x, dy, dkernel);
        try {
            conv2dBackwardFilterKernel(x, dy, dkernel, geom);
        } finally {
            unpin(x, dy, dkernel);
        }
    }

    @Override
    public final void conv2dForwardFused(Storage x, Storage kernel, Storage bias, boolean relu, Storage out,
                                         ConvGeometry geom) {
        pin(x, kernel, bias, out);
        try {
            conv2dForwardFusedKernel(x, kernel, bias, relu, out, geom);
        } finally {
            unpin(x, kernel, bias, out);
        }
    }

    @Override
    public final void conv2dBackwardFused(Storage x, Storage kernel, Storage y, Storage dy, boolean relu, Storage dx,
                                          Storage dkernel, Storage dbias, ConvGeometry geom) {
        pin(x, kernel, y, dy, dx, dkernel, dbias);
        try {
            conv2dBackwardFusedKernel(x, kernel, y, dy, relu, dx, dkernel, dbias, geom);
        } finally {
            unpin(x, kernel, y, dy, dx, dkernel, dbias);
        }
    }

    @Override
    public final void adamUpdate(Storage w, Storage g, Storage m, Storage v, double alpha, double beta1, double beta2,
                                 double epsilon) {
        pin(w, g, m, v);
        try {
            adamUpdateKernel(w, g, m, v, alpha, beta1, beta2, epsilon);
        } finally {
            unpin(w, g, m, v);
        }
    }

    @Override
    public final void maxPool2dForward(Storage x, Storage out, PoolGeometry geom) {
        pin(x, out);
        try {
            maxPool2dForwardKernel(x, out, geom);
        } finally {
            unpin(x, out);
        }
    }

    @Override
    public final void maxPool2dBackward(Storage x, Storage dy, Storage dx, PoolGeometry geom) {
        pin(x, dy, dx);
        try {
            maxPool2dBackwardKernel(x, dy, dx, geom);
        } finally {
            unpin(x, dy, dx);
        }
    }

    @Override
    public final void avgPool2dForward(Storage x, Storage out, PoolGeometry geom) {
        pin(x, out);
        try {
            avgPool2dForwardKernel(x, out, geom);
        } finally {
            unpin(x, out);
        }
    }

    @Override
    public final void avgPool2dBackward(Storage dy, Storage dx, PoolGeometry geom) {
        pin(dy, dx);
        try {
            avgPool2dBackwardKernel(dy, dx, geom);
        } finally {
            unpin(dy, dx);
        }
    }

    @Override
    public final void lstmCellForward(Storage z, Storage cPrev, Storage h, Storage c, Storage gates,
                                      long batch, long hidden) {
        pin(z, cPrev, h, c, gates);
        try {
            lstmCellForwardKernel(z, cPrev, h, c, gates, batch, hidden);
        } finally {
            unpin(z, cPrev, h, c, gates);
        }
    }

    @Override
    public final void lstmCellBackward(Storage gates, Storage cPrev, Storage c, Storage dh, Storage dc,
                                       Storage dz, Storage dcPrev, long batch, long hidden) {
        pin(gates, cPrev, c, dh, dc, dz, dcPrev);
        try {
            lstmCellBackwardKernel(gates, cPrev, c, dh, dc, dz, dcPrev, batch, hidden);
        } finally {
            unpin(gates, cPrev, c, dh, dc, dz, dcPrev);
        }
    }

    @Override
    public final void gruCellForward(Storage xz, Storage hz, Storage hPrev, Storage h, Storage gates,
                                     long batch, long hidden) {
        pin(xz, hz, hPrev, h, gates);
        try {
            gruCellForwardKernel(xz, hz, hPrev, h, gates, batch, hidden);
        } finally {
            unpin(xz, hz, hPrev, h, gates);
        }
    }

    @Override
    public final void gruCellBackward(Storage gates, Storage hz, Storage hPrev, Storage dh,
                                      Storage dxz, Storage dhz, Storage dhPrev, long batch, long hidden) {
        pin(gates, hz, hPrev, dh, dxz, dhz, dhPrev);
        try {
            gruCellBackwardKernel(gates, hz, hPrev, dh, dxz, dhz, dhPrev, batch, hidden);
        } finally {
            unpin(gates, hz, hPrev, dh, dxz, dhz, dhPrev);
        }
    }

    // ---- the kernels, called with their storages pinned (contracts: see Backend) ---------------

    /** {@link Backend#fill}, storages pinned. */
    protected abstract void fillKernel(Storage out, double value);

    /** {@link Backend#cast}, storages pinned. */
    protected abstract void castKernel(Storage x, Storage out);

    /** {@link Backend#copyStrided}, storages pinned. */
    protected abstract void copyStridedKernel(Storage src, long srcOffset, long[] srcStrides,
                                              Storage dst, long dstOffset, long[] dstStrides, long[] shape);

    /** {@link Backend#unary}, storages pinned. */
    protected abstract void unaryKernel(UnaryOp op, Storage x, Storage out);

    /** {@link Backend#binary}, storages pinned. */
    protected abstract void binaryKernel(BinaryOp op, Storage a, long[] aStrides, Storage b, long[] bStrides,
                                         Storage out, long[] outShape);

    /** {@link Backend#reduce}, storages pinned. */
    protected abstract void reduceKernel(ReduceOp op, Storage x, long outer, long n, long inner, Storage out);

    /** {@link Backend#matmul}, storages pinned. */
    protected abstract void matmulKernel(Storage a, Storage b, Storage out, long batch, long m, long n, long k,
                                         boolean transA, boolean transB, long strideA, long strideB);

    /** {@link Backend#softmax}, storages pinned. */
    protected abstract void softmaxKernel(Storage x, Storage out, long outer, long n, long inner, boolean log);

    /** {@link Backend#gather}, storages pinned. */
    protected abstract void gatherKernel(Storage table, long rowSize, Storage ids, Storage out);

    /** {@link Backend#scatterAdd}, storages pinned. */
    protected abstract void scatterAddKernel(Storage src, long rowSize, Storage ids, Storage out);

    /** {@link Backend#oneHot}, storages pinned. */
    protected abstract void oneHotKernel(Storage ids, long depth, Storage out);

    /** {@link Backend#conv2dForward}, storages pinned; the default is the interface's. */
    protected void conv2dForwardKernel(Storage x, Storage kernel, Storage out, ConvGeometry geom) {
        Backend.super.conv2dForward(x, kernel, out, geom);
    }

    /** {@link Backend#conv2dBackwardInput}, storages pinned; the default is the interface's. */
    protected void conv2dBackwardInputKernel(Storage dy, Storage kernel, Storage dx, ConvGeometry geom) {
        Backend.super.conv2dBackwardInput(dy, kernel, dx, geom);
    }

    /** {@link Backend#conv2dBackwardFilter}, storages pinned; the default is the interface's. */
    protected void conv2dBackwardFilterKernel(Storage x, Storage dy, Storage dkernel, ConvGeometry geom) {
        Backend.super.conv2dBackwardFilter(x, dy, dkernel, geom);
    }

    /** {@link Backend#conv2dForwardFused}, storages pinned; the default is the interface's. */
    protected void conv2dForwardFusedKernel(Storage x, Storage kernel, Storage bias, boolean relu, Storage out,
                                            ConvGeometry geom) {
        Backend.super.conv2dForwardFused(x, kernel, bias, relu, out, geom);
    }

    /** {@link Backend#conv2dBackwardFused}, storages pinned; the default is the interface's. */
    protected void conv2dBackwardFusedKernel(Storage x, Storage kernel, Storage y, Storage dy, boolean relu, Storage dx,
                                             Storage dkernel, Storage dbias, ConvGeometry geom) {
        Backend.super.conv2dBackwardFused(x, kernel, y, dy, relu, dx, dkernel, dbias, geom);
    }

    /** {@link Backend#adamUpdate}, storages pinned; the default is the interface's. */
    protected void adamUpdateKernel(Storage w, Storage g, Storage m, Storage v, double alpha, double beta1,
                                    double beta2, double epsilon) {
        Backend.super.adamUpdate(w, g, m, v, alpha, beta1, beta2, epsilon);
    }

    /** {@link Backend#maxPool2dForward}, storages pinned; the default is the interface's. */
    protected void maxPool2dForwardKernel(Storage x, Storage out, PoolGeometry geom) {
        Backend.super.maxPool2dForward(x, out, geom);
    }

    /** {@link Backend#maxPool2dBackward}, storages pinned; the default is the interface's. */
    protected void maxPool2dBackwardKernel(Storage x, Storage dy, Storage dx, PoolGeometry geom) {
        Backend.super.maxPool2dBackward(x, dy, dx, geom);
    }

    /** {@link Backend#avgPool2dForward}, storages pinned; the default is the interface's. */
    protected void avgPool2dForwardKernel(Storage x, Storage out, PoolGeometry geom) {
        Backend.super.avgPool2dForward(x, out, geom);
    }

    /** {@link Backend#avgPool2dBackward}, storages pinned; the default is the interface's. */
    protected void avgPool2dBackwardKernel(Storage dy, Storage dx, PoolGeometry geom) {
        Backend.super.avgPool2dBackward(dy, dx, geom);
    }

    /** {@link Backend#lstmCellForward}, storages pinned; the default is the interface's. */
    protected void lstmCellForwardKernel(Storage z, Storage cPrev, Storage h, Storage c, Storage gates,
                                         long batch, long hidden) {
        Backend.super.lstmCellForward(z, cPrev, h, c, gates, batch, hidden);
    }

    /** {@link Backend#lstmCellBackward}, storages pinned; the default is the interface's. */
    protected void lstmCellBackwardKernel(Storage gates, Storage cPrev, Storage c, Storage dh, Storage dc,
                                          Storage dz, Storage dcPrev, long batch, long hidden) {
        Backend.super.lstmCellBackward(gates, cPrev, c, dh, dc, dz, dcPrev, batch, hidden);
    }

    /** {@link Backend#gruCellForward}, storages pinned; the default is the interface's. */
    protected void gruCellForwardKernel(Storage xz, Storage hz, Storage hPrev, Storage h, Storage gates,
                                        long batch, long hidden) {
        Backend.super.gruCellForward(xz, hz, hPrev, h, gates, batch, hidden);
    }

    /** {@link Backend#gruCellBackward}, storages pinned; the default is the interface's. */
    protected void gruCellBackwardKernel(Storage gates, Storage hz, Storage hPrev, Storage dh,
                                         Storage dxz, Storage dhz, Storage dhPrev, long batch, long hidden) {
        Backend.super.gruCellBackward(gates, hz, hPrev, dh, dxz, dhz, dhPrev, batch, hidden);
    }
}
