package dev.lamina.backend;

import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real backend for tests: every primitive runs on a wrapped backend (cpu or reference), but the
 * optional fused kernels are declined by a {@link Policy} — all of them ({@link #all}), or only for
 * some arguments ({@link #some}) — so that the tensor ops must take the composed path on that
 * backend. Its storages wrap the inner backend's, so tensors created on it stay on it (and their
 * kernels come back here); it counts its own live bytes.
 */
public final class DecliningBackend implements Backend {
    /** Says why a kernel is declined for a call (dtype, and geometry or null), or null to serve it. */
    @FunctionalInterface
    public interface Policy {
        String decline(Kernel k, DType dtype, Object geometry);
    }

    private final Backend inner;
    private final String name;
    private final Policy policy;
    private final AtomicLong bytes = new AtomicLong();

    public DecliningBackend(Backend inner, String name, Policy policy) {
        this.inner = inner;
        this.name = name;
        this.policy = policy;
    }

    /** Declines every optional kernel for every call. */
    public static DecliningBackend all(Backend inner, String name) {
        return new DecliningBackend(inner, name, (k, dt, g) -> "declined by the test backend");
    }

    /**
     * Declines only some calls: float64 for every kernel; convolutions with a stride, dilation or
     * group count above 1 or "same" padding; pooling with padding or overlapping windows; the
     * backward passes of the cells (their forwards run fused); Adam never.
     */
    public static DecliningBackend some(Backend inner, String name) {
        return new DecliningBackend(inner, name, (k, dt, g) -> {
            if (k == Kernel.ADAM_UPDATE) {
                return null;
            }
            if (dt == DType.FLOAT64) {
                return "float32 only";
            }
            if (g instanceof ConvGeometry c && (c.sh() > 1 || c.sw() > 1 || c.dh() > 1 || c.dw() > 1 || c.groups() > 1
                    || c.padTop() > 0 || c.padLeft() > 0)) {
                return "plain convolutions only";
            }
            if (g instanceof PoolGeometry p && (p.padTop() > 0 || p.padLeft() > 0 || p.sh() < p.ph() || p.sw() < p.pw())) {
                return "unpadded, non-overlapping windows only";
            }
            if (k == Kernel.LSTM_CELL_BACKWARD || k == Kernel.GRU_CELL_BACKWARD) {
                return "no backward cells";
            }
            return null;
        });
    }

    /** The wrapped backend. */
    public Backend inner() {
        return inner;
    }

    private static final class Wrapped extends Storage {
        final Storage in;

        Wrapped(DecliningBackend owner, Storage in) {
            super(owner, in.dtype(), in.numel());
            this.in = in;
        }
    }

    private Storage wrap(Storage s) {
        bytes.addAndGet(s.bytes());
        return new Wrapped(this, s);
    }

    /** The inner storage (null stays null). */
    private Storage u(Storage s) {
        if (s == null) {
            return null;
        }
        if (!(s instanceof Wrapped w) || s.backend() != this) {
            throw new IllegalArgumentException(name + ": storage belongs to backend " + s.backend().name());
        }
        if (s.isFreed()) {
            throw new IllegalStateException(name + ": storage used after it was freed");
        }
        return w.in;
    }

    private Capability ask(Kernel k, DType dt, Object geom, Capability innerAnswer) {
        String why = policy.decline(k, dt, geom);
        return why != null ? Capability.unavailable(why) : innerAnswer;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isAvailable() {
        return inner.isAvailable();
    }

    @Override
    public Capability kernel(Kernel k) {
        return ask(k, null, null, inner.kernel(k));
    }

    @Override
    public Capability kernel(Kernel k, DType dtype) {
        return ask(k, dtype, null, inner.kernel(k, dtype));
    }

    @Override
    public Capability kernel(Kernel k, DType dtype, ConvGeometry geom) {
        return ask(k, dtype, geom, inner.kernel(k, dtype, geom));
    }

    @Override
    public Capability kernel(Kernel k, DType dtype, PoolGeometry geom) {
        return ask(k, dtype, geom, inner.kernel(k, dtype, geom));
    }

    @Override
    public Capability kernel(Kernel k, DType dtype, SequenceGeometry geom) {
        return ask(k, dtype, geom, inner.kernel(k, dtype, geom));
    }

    // ---- memory -----------------------------------------------------------------------------

    @Override
    public Storage allocate(DType dtype, long numel) {
        return wrap(inner.allocate(dtype, numel));
    }

    @Override
    public Storage allocateUninitialized(DType dtype, long numel) {
        return wrap(inner.allocateUninitialized(dtype, numel));
    }

    @Override
    public void free(Storage storage) {
        if (!(storage instanceof Wrapped w) || storage.backend() != this) {
            throw new IllegalArgumentException(name + ".free: storage belongs to backend " + storage.backend().name());
        }
        bytes.addAndGet(-w.bytes());
        w.in.release();
    }

    @Override
    public long bytesInUse() {
        return bytes.get();
    }

    @Override
    public void upload(ByteBuffer src, Storage dst) {
        inner.upload(src, u(dst));
    }

    @Override
    public void download(Storage src, ByteBuffer dst) {
        inner.download(u(src), dst);
    }

    // ---- primitives -------------------------------------------------------------------------

    @Override
    public void fill(Storage out, double value) {
        inner.fill(u(out), value);
    }

    @Override
    public void cast(Storage x, Storage out) {
        inner.cast(u(x), u(out));
    }

    @Override
    public void copyStrided(Storage src, long srcOffset, long[] srcStrides, Storage dst, long dstOffset,
                            long[] dstStrides, long[] shape) {
        inner.copyStrided(u(src), srcOffset, srcStrides, u(dst), dstOffset, dstStrides, shape);
    }

    @Override
    public void unary(UnaryOp op, Storage x, Storage out) {
        inner.unary(op, u(x), u(out));
    }

    @Override
    public void binary(BinaryOp op, Storage a, long[] aStrides, Storage b, long[] bStrides, Storage out,
                       long[] outShape) {
        inner.binary(op, u(a), aStrides, u(b), bStrides, u(out), outShape);
    }

    @Override
    public void reduce(ReduceOp op, Storage x, long outer, long n, long inner, Storage out) {
        this.inner.reduce(op, u(x), outer, n, inner, u(out));
    }

    @Override
    public void matmul(Storage a, Storage b, Storage out, long batch, long m, long n, long k, boolean transA,
                       boolean transB, long strideA, long strideB) {
        inner.matmul(u(a), u(b), u(out), batch, m, n, k, transA, transB, strideA, strideB);
    }

    @Override
    public void softmax(Storage x, Storage out, long outer, long n, long inner, boolean log) {
        this.inner.softmax(u(x), u(out), outer, n, inner, log);
    }

    @Override
    public void gather(Storage table, long rowSize, Storage ids, Storage out) {
        inner.gather(u(table), rowSize, u(ids), u(out));
    }

    @Override
    public void scatterAdd(Storage src, long rowSize, Storage ids, Storage out) {
        inner.scatterAdd(u(src), rowSize, u(ids), u(out));
    }

    @Override
    public void oneHot(Storage ids, long depth, Storage out) {
        inner.oneHot(u(ids), depth, u(out));
    }

    // ---- the optional kernels: the inner backend's, for the calls the policy lets through -----

    @Override
    public void conv2dForward(Storage x, Storage kernel, Storage out, ConvGeometry geom) {
        inner.conv2dForward(u(x), u(kernel), u(out), geom);
    }

    @Override
    public void conv2dBackwardInput(Storage dy, Storage kernel, Storage dx, ConvGeometry geom) {
        inner.conv2dBackwardInput(u(dy), u(kernel), u(dx), geom);
    }

    @Override
    public void conv2dBackwardFilter(Storage x, Storage dy, Storage dkernel, ConvGeometry geom) {
        inner.conv2dBackwardFilter(u(x), u(dy), u(dkernel), geom);
    }

    @Override
    public void conv2dForwardFused(Storage x, Storage kernel, Storage bias, boolean relu, Storage out,
                                   ConvGeometry geom) {
        inner.conv2dForwardFused(u(x), u(kernel), u(bias), relu, u(out), geom);
    }

    @Override
    public void conv2dBackwardFused(Storage x, Storage kernel, Storage y, Storage dy, boolean relu, Storage dx,
                                    Storage dkernel, Storage dbias, ConvGeometry geom) {
        inner.conv2dBackwardFused(u(x), u(kernel), u(y), u(dy), relu, u(dx), u(dkernel), u(dbias), geom);
    }

    @Override
    public void adamUpdate(Storage w, Storage g, Storage m, Storage v, double alpha, double beta1, double beta2,
                           double epsilon) {
        inner.adamUpdate(u(w), u(g), u(m), u(v), alpha, beta1, beta2, epsilon);
    }

    @Override
    public void rmspropUpdate(Storage w, Storage g, Storage vel, Storage mom, Storage avg, double lr, double rho,
                              double momentum, double epsilon) {
        inner.rmspropUpdate(u(w), u(g), u(vel), u(mom), u(avg), lr, rho, momentum, epsilon);
    }

    @Override
    public void sgdUpdate(Storage w, Storage g, Storage m, double lr, double momentum, boolean nesterov) {
        inner.sgdUpdate(u(w), u(g), u(m), lr, momentum, nesterov);
    }

    @Override
    public void lstmSequenceForward(Storage xp, Storage rk, Storage h0, Storage c0, Storage packed, Storage hPrev,
                                    Storage gates, Storage cs, long batch, long steps, long hidden) {
        inner.lstmSequenceForward(u(xp), u(rk), u(h0), u(c0), u(packed), u(hPrev), u(gates), u(cs), batch, steps,
                hidden);
    }

    @Override
    public void lstmSequenceBackward(Storage gates, Storage cs, Storage c0, Storage rk, Storage dP, Storage dXp,
                                     Storage dh0, Storage dc0, long batch, long steps, long hidden) {
        inner.lstmSequenceBackward(u(gates), u(cs), u(c0), u(rk), u(dP), u(dXp), u(dh0), u(dc0), batch, steps,
                hidden);
    }

    @Override
    public void gruSequenceForward(Storage xp, Storage rk, Storage rb, Storage h0, Storage packed, Storage hPrev,
                                   Storage gates, Storage hz, long batch, long steps, long hidden) {
        inner.gruSequenceForward(u(xp), u(rk), u(rb), u(h0), u(packed), u(hPrev), u(gates), u(hz), batch, steps,
                hidden);
    }

    @Override
    public void gruSequenceBackward(Storage gates, Storage hz, Storage hPrev, Storage rk, Storage dP, Storage dXp,
                                    Storage dHz, Storage dh0, long batch, long steps, long hidden) {
        inner.gruSequenceBackward(u(gates), u(hz), u(hPrev), u(rk), u(dP), u(dXp), u(dHz), u(dh0), batch, steps,
                hidden);
    }

    @Override
    public void softmaxCrossEntropy(Storage logits, Storage labels, Storage loss, Storage dlogits, long rows,
                                    long classes) {
        inner.softmaxCrossEntropy(u(logits), u(labels), u(loss), u(dlogits), rows, classes);
    }

    @Override
    public void maxPool2dForward(Storage x, Storage out, PoolGeometry geom) {
        inner.maxPool2dForward(u(x), u(out), geom);
    }

    @Override
    public void maxPool2dBackward(Storage x, Storage dy, Storage dx, PoolGeometry geom) {
        inner.maxPool2dBackward(u(x), u(dy), u(dx), geom);
    }

    @Override
    public void avgPool2dForward(Storage x, Storage out, PoolGeometry geom) {
        inner.avgPool2dForward(u(x), u(out), geom);
    }

    @Override
    public void avgPool2dBackward(Storage dy, Storage dx, PoolGeometry geom) {
        inner.avgPool2dBackward(u(dy), u(dx), geom);
    }

    @Override
    public void lstmCellForward(Storage z, Storage cPrev, Storage h, Storage c, Storage gates, long batch,
                                long hidden) {
        inner.lstmCellForward(u(z), u(cPrev), u(h), u(c), u(gates), batch, hidden);
    }

    @Override
    public void lstmCellBackward(Storage gates, Storage cPrev, Storage c, Storage dh, Storage dc, Storage dz,
                                 Storage dcPrev, long batch, long hidden) {
        inner.lstmCellBackward(u(gates), u(cPrev), u(c), u(dh), u(dc), u(dz), u(dcPrev), batch, hidden);
    }

    @Override
    public void gruCellForward(Storage xz, Storage hz, Storage hPrev, Storage h, Storage gates, long batch,
                               long hidden) {
        inner.gruCellForward(u(xz), u(hz), u(hPrev), u(h), u(gates), batch, hidden);
    }

    @Override
    public void gruCellBackward(Storage gates, Storage hz, Storage hPrev, Storage dh, Storage dxz, Storage dhz,
                                Storage dhPrev, long batch, long hidden) {
        inner.gruCellBackward(u(gates), u(hz), u(hPrev), u(dh), u(dxz), u(dhz), u(dhPrev), batch, hidden);
    }

    @Override
    public String toString() {
        return name + " (declining the fused kernels of " + inner.name() + ")";
    }
}
