package dev.lamina.graph;

import dev.lamina.backend.Backend;
import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.Capability;
import dev.lamina.backend.ConvGeometry;
import dev.lamina.backend.Kernel;
import dev.lamina.backend.PoolGeometry;
import dev.lamina.backend.ReduceOp;
import dev.lamina.backend.SequenceGeometry;
import dev.lamina.backend.Storage;
import dev.lamina.backend.TraceHooks;
import dev.lamina.backend.UnaryOp;
import dev.lamina.types.DType;
import dev.lamina.tensor.Shapes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * Records the backend calls of one eager run of a function (the trace): each call becomes a
 * {@link Node} over {@link Value}s, one per storage. Calls run on the real backend as they are
 * recorded, so the traced call's results are the eager results.
 */
final class Recorder implements TraceHooks.Tracer {
    final List<Node> nodes = new ArrayList<>();
    final List<Value> values = new ArrayList<>();
    private final Map<Storage, Value> byStorage = new IdentityHashMap<>();
    /** host scalar value bits → the most recent host value slot with those bits */
    private final Map<Long, Integer> hostBits = new HashMap<>();
    int hostSlots;
    Backend real;
    private Recording recording;
    /** why the trace cannot be replayed (first reason), or null */
    String failure;
    /** the failure may go away on a later call (state made on a first call) */
    boolean retry;

    /** Registers the storages of the inputs (in order) before the function runs. */
    void inputs(dev.lamina.tensor.Tensor[] inputs) {
        for (int i = 0; i < inputs.length; i++) {
            Storage s = inputs[i].storage();
            if (byStorage.containsKey(s)) {
                continue; // the same storage given twice: the first input index stands for it
            }
            Value v = newValue(Value.Kind.INPUT, s);
            v.inputIndex = i;
        }
    }

    private Value newValue(Value.Kind kind, Storage s) {
        Value v = new Value(values.size(), kind, s.dtype(), s.numel());
        v.storage = s;
        values.add(v);
        byStorage.put(s, v);
        return v;
    }

    int valueOf(Storage s) {
        if (s == null) {
            return -1;
        }
        Value v = byStorage.get(s);
        if (v == null) {
            v = newValue(Value.Kind.EXTERNAL, s);
        }
        return v.id;
    }

    Value valueOrNull(Storage s) {
        return byStorage.get(s);
    }

    void fail(String reason, boolean mayRetry) {
        if (failure == null) {
            failure = reason;
            retry = mayRetry;
        }
    }

    // ---- TraceHooks.Tracer ------------------------------------------------------------------------

    @Override
    public Backend wrap(Backend backend) {
        if (backend instanceof Recording rec) {
            if (rec.owner() == this) {
                return rec; // the view handed out earlier, given back (Backends.use(x.backend()))
            }
            backend = rec.target; // a view of an outer or finished trace: record on the backend it stands for
        }
        if (real == null) {
            real = backend;
            recording = new Recording();
        } else if (real != backend) {
            fail("the function uses two backends (" + real.name() + " and " + backend.name() + ")", false);
            return new Recording(backend);
        }
        return recording;
    }

    @Override
    public double hostScalar(DoubleSupplier supplier) {
        double v = supplier.getAsDouble();
        int slot = hostSlots++;
        Node n = new Node(Node.Kind.HOST_SCALAR, "host.scalar", "$" + slot, new int[0], new boolean[0], new boolean[0],
                (b, s, h) -> h[slot] = supplier.getAsDouble());
        nodes.add(n);
        Long bits = Double.doubleToRawLongBits(v);
        hostBits.put(bits, slot); // the most recent host value with these bits wins (Adam: one per variable)
        return v;
    }

    @Override
    public void hostEffect(Runnable effect) {
        effect.run();
        nodes.add(new Node(Node.Kind.HOST_EFFECT, "host.effect", "", new int[0], new boolean[0], new boolean[0],
                (b, s, h) -> effect.run()));
    }

    @Override
    public void hostUpload(Storage dst, Supplier<ByteBuffer> data) {
        Backend rb = wrap(dst.backend());
        int v = valueOf(dst);
        nodes.add(new Node(Node.Kind.HOST_UPLOAD, "host.upload", "", new int[] {v}, new boolean[] {false},
                new boolean[] {true}, (b, s, h) -> b.upload(data.get(), s[0])));
        ByteBuffer bytes = data.get();
        Recording r = rb instanceof Recording ? (Recording) rb : recording;
        r.forward(() -> r.target.upload(bytes, dst));
    }

    @Override
    public void hostCheck(Storage src, String what, java.util.function.Consumer<ByteBuffer> check) {
        Backend rb = wrap(src.backend());
        int v = valueOf(src);
        nodes.add(new Node(Node.Kind.HOST_CHECK, "host.check", what, new int[] {v}, new boolean[] {true},
                new boolean[] {false}, (b, s, h) -> check.accept(dev.lamina.backend.HostCalls.read(b, s[0]))));
        Recording r = rb instanceof Recording ? (Recording) rb : recording;
        check.accept(r.forwardGet(() -> dev.lamina.backend.HostCalls.read(r.target, src)));
    }

    @Override
    public void untraceable(String reason) {
        fail(reason, false);
    }

    /** The slot of the most recent host scalar with exactly these bits, −1 when none. */
    private int bind(double value) {
        Integer slot = hostBits.get(Double.doubleToRawLongBits(value));
        return slot == null ? -1 : slot;
    }

    // ---- the recording backend ----------------------------------------------------------------------

    private static final int R = 1;
    private static final int W = 2;
    private static final int RW = 3;

    /**
     * The recording view of the real backend: notes each call as a node and runs it on the backend.
     * The tensor layer calls it instead of the backend while a function is traced ({@link
     * TraceHooks#route}). It declares every method of {@link Backend} itself, inheriting no default:
     * a default would run its composition of primitives here, and a fused kernel the real backend has
     * would be recorded as primitives, or not at all ({@code RecordingCoversBackendTest} checks this
     * by reflection, so a new SPI method fails that test until it is recorded here).
     */
    final class Recording implements Backend {
        final Backend target;

        Recording() {
            this(real);
        }

        Recording(Backend target) {
            this.target = target;
        }

        Recorder owner() {
            return Recorder.this;
        }

        /** Runs a call on the real backend with the tracer suspended (its frees of scratch memory unrecorded). */
        void forward(Runnable call) {
            TraceHooks.Tracer t = TraceHooks.install(null);
            try {
                call.run();
            } finally {
                TraceHooks.install(t);
            }
        }

        private <T> T forwardGet(Supplier<T> call) {
            TraceHooks.Tracer t = TraceHooks.install(null);
            try {
                return call.get();
            } finally {
                TraceHooks.install(t);
            }
        }

        /** Adds a kernel node; params alternate storage, mode (R, W or RW). */
        private Node kernel(String op, String args, Node.Exec exec, Object... params) {
            int k = params.length / 2;
            int[] vals = new int[k];
            boolean[] rd = new boolean[k];
            boolean[] wr = new boolean[k];
            for (int i = 0; i < k; i++) {
                vals[i] = valueOf((Storage) params[2 * i]);
                int mode = (Integer) params[2 * i + 1];
                rd[i] = (mode & R) != 0 && vals[i] >= 0;
                wr[i] = (mode & W) != 0 && vals[i] >= 0;
            }
            Node n = new Node(Node.Kind.KERNEL, op, args, vals, rd, wr, exec);
            nodes.add(n);
            return n;
        }

        @Override
        public String name() {
            return target.name();
        }

        @Override
        public boolean isAvailable() {
            return target.isAvailable();
        }

        @Override
        public Capability kernel(Kernel k) {
            return target.kernel(k);
        }

        @Override
        public Capability kernel(Kernel k, DType dtype) {
            return target.kernel(k, dtype);
        }

        @Override
        public Capability kernel(Kernel k, DType dtype, ConvGeometry geom) {
            return target.kernel(k, dtype, geom);
        }

        @Override
        public Capability kernel(Kernel k, DType dtype, PoolGeometry geom) {
            return target.kernel(k, dtype, geom);
        }

        // ---- memory: values and lifetimes ----

        @Override
        public Storage allocate(DType dtype, long numel) {
            Storage s = forwardGet(() -> target.allocate(dtype, numel));
            Value v = newValue(Value.Kind.INTERNAL, s);
            v.zeroed = true;
            nodes.add(new Node(Node.Kind.ZEROS, "zeros", "", new int[] {v.id}, new boolean[] {false},
                    new boolean[] {true}, (b, st, h) -> b.fill(st[0], 0.0)));
            return s;
        }

        @Override
        public Storage allocateUninitialized(DType dtype, long numel) {
            Storage s = forwardGet(() -> target.allocateUninitialized(dtype, numel));
            newValue(Value.Kind.INTERNAL, s);
            return s;
        }

        @Override
        public void free(Storage storage) {
            Value v = byStorage.get(storage);
            if (v != null) {
                v.freed = true;
                if (v.kind != Value.Kind.INTERNAL) {
                    fail("the function freed a tensor it did not create (" + v.label() + ")", false);
                }
            }
            forward(() -> target.free(storage));
        }

        @Override
        public long bytesInUse() {
            return target.bytesInUse();
        }

        @Override
        public void upload(ByteBuffer src, Storage dst) {
            ByteBuffer copy = ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE, dst.bytes())).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer d = src.duplicate();
            d.limit(d.position() + Math.min(d.remaining(), copy.capacity()));
            copy.put(d);
            copy.flip();
            byte[] bytes = new byte[copy.remaining()];
            copy.duplicate().get(bytes);
            int v = valueOf(dst);
            nodes.add(new Node(Node.Kind.UPLOAD_CONST, "upload", "bytes#" + Arrays.hashCode(bytes) + "/" + bytes.length,
                    new int[] {v}, new boolean[] {false}, new boolean[] {true},
                    (b, s, h) -> b.upload(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), s[0])));
            forward(() -> target.upload(src, dst));
        }

        @Override
        public void download(Storage src, ByteBuffer dst) {
            fail("a host read inside the function (item(), toArray() or a Java branch on a tensor value)", false);
            forward(() -> target.download(src, dst));
        }

        // ---- kernels ----

        @Override
        public void fill(Storage out, double value) {
            int slot = bind(value);
            Node n = kernel("fill", slot >= 0 ? "$" + slot : Double.toString(value),
                    (b, s, h) -> b.fill(s[0], slot >= 0 ? h[slot] : value), out, W);
            if (slot >= 0) {
                n.hostDependent = true;
            }
            forward(() -> target.fill(out, value));
        }

        @Override
        public void cast(Storage x, Storage out) {
            kernel("cast", Value.shortName(x.dtype()) + "->" + Value.shortName(out.dtype()),
                    (b, s, h) -> b.cast(s[0], s[1]), x, R, out, W);
            forward(() -> target.cast(x, out));
        }

        @Override
        public void copyStrided(Storage src, long srcOffset, long[] srcStrides, Storage dst, long dstOffset,
                                long[] dstStrides, long[] shape) {
            long[] ss = srcStrides.clone();
            long[] ds = dstStrides.clone();
            long[] sh = shape.clone();
            Node n = kernel("copyStrided", "shape=" + Shapes.str(sh) + " src@" + srcOffset + Arrays.toString(ss) + " dst@"
                    + dstOffset + Arrays.toString(ds), (b, s, h) -> b.copyStrided(s[0], srcOffset, ss, s[1], dstOffset, ds, sh),
                    src, R, dst, dstReadMode(dst, dstOffset, ds, sh));
            n.copy = new Node.Strided(srcOffset, ss, dstOffset, ds, sh);
            forward(() -> target.copyStrided(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape));
        }

        /** A strided copy that may not cover all of dst (a slice of a concat) keeps dst's earlier contents. */
        private int dstReadMode(Storage dst, long off, long[] strides, long[] shape) {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            boolean dense = off == 0 && n == dst.numel() && Arrays.equals(strides, Shapes.strides(shape));
            return dense ? W : RW;
        }

        @Override
        public void unary(UnaryOp op, Storage x, Storage out) {
            Node n = kernel("unary", op.toString(), (b, s, h) -> b.unary(op, s[0], s[1]), x, R, out, W);
            if (x != out && x.dtype().isFloating()) {
                n.ew = new Node.Elementwise(op, null, false, false);
            }
            forward(() -> target.unary(op, x, out));
        }

        @Override
        public void binary(BinaryOp op, Storage a, long[] aStrides, Storage b2, long[] bStrides, Storage out,
                           long[] outShape) {
            long[] as = aStrides.clone();
            long[] bs = bStrides.clone();
            long[] os = outShape.clone();
            Node n = kernel("binary", op + " " + Shapes.str(os) + " a" + Arrays.toString(as) + " b" + Arrays.toString(bs),
                    (b, s, h) -> b.binary(op, s[0], as, s[1], bs, s[2], os), a, R, b2, R, out, W);
            n.binaryOp = op;
            n.aStrides = as;
            n.bStrides = bs;
            n.outShape = os;
            long[] dense = Shapes.strides(os);
            boolean aFull = Arrays.equals(as, dense) && a.numel() == out.numel();
            boolean bFull = Arrays.equals(bs, dense) && b2.numel() == out.numel();
            boolean aOne = a.numel() == 1 && allZero(as);
            boolean bOne = b2.numel() == 1 && allZero(bs);
            if (!op.isComparison() && a.dtype().isFloating() && out != a && out != b2
                    && (aFull || aOne) && (bFull || bOne)) {
                n.ew = new Node.Elementwise(null, op, !aFull, !bFull);
            }
            forward(() -> target.binary(op, a, aStrides, b2, bStrides, out, outShape));
        }

        @Override
        public void reduce(ReduceOp op, Storage x, long outer, long n, long inner, Storage out) {
            kernel("reduce", op + " [" + outer + "," + n + "," + inner + "]",
                    (b, s, h) -> b.reduce(op, s[0], outer, n, inner, s[1]), x, R, out, W);
            forward(() -> target.reduce(op, x, outer, n, inner, out));
        }

        @Override
        public void matmul(Storage a, Storage b2, Storage out, long batch, long m, long n, long k, boolean transA,
                           boolean transB, long strideA, long strideB) {
            kernel("matmul", "batch=" + batch + " m=" + m + " n=" + n + " k=" + k + (transA ? " tA" : "")
                    + (transB ? " tB" : "") + " strides=" + strideA + "," + strideB,
                    (b, s, h) -> b.matmul(s[0], s[1], s[2], batch, m, n, k, transA, transB, strideA, strideB),
                    a, R, b2, R, out, k == 0 ? RW : W);
            forward(() -> target.matmul(a, b2, out, batch, m, n, k, transA, transB, strideA, strideB));
        }

        @Override
        public void softmax(Storage x, Storage out, long outer, long n, long inner, boolean log) {
            kernel(log ? "logSoftmax" : "softmax", "[" + outer + "," + n + "," + inner + "]",
                    (b, s, h) -> b.softmax(s[0], s[1], outer, n, inner, log), x, R, out, W);
            forward(() -> target.softmax(x, out, outer, n, inner, log));
        }

        @Override
        public void gather(Storage table, long rowSize, Storage ids, Storage out) {
            kernel("gather", "row=" + rowSize, (b, s, h) -> b.gather(s[0], rowSize, s[1], s[2]), table, R, ids, R, out, W);
            forward(() -> target.gather(table, rowSize, ids, out));
        }

        @Override
        public void scatterAdd(Storage src, long rowSize, Storage ids, Storage out) {
            kernel("scatterAdd", "row=" + rowSize, (b, s, h) -> b.scatterAdd(s[0], rowSize, s[1], s[2]),
                    src, R, ids, R, out, RW);
            forward(() -> target.scatterAdd(src, rowSize, ids, out));
        }

        @Override
        public void oneHot(Storage ids, long depth, Storage out) {
            kernel("oneHot", "depth=" + depth, (b, s, h) -> b.oneHot(s[0], depth, s[1]), ids, R, out, W);
            forward(() -> target.oneHot(ids, depth, out));
        }

        private String geom(Object g) {
            return g + "#" + Integer.toHexString(g.hashCode());
        }

        @Override
        public void conv2dForward(Storage x, Storage kernel, Storage out, ConvGeometry g) {
            Node n = kernel("conv2d", geom(g), (b, s, h) -> b.conv2dForward(s[0], s[1], s[2], g), x, R, kernel, R, out, W);
            n.conv = g;
            forward(() -> target.conv2dForward(x, kernel, out, g));
        }

        @Override
        public void conv2dBackwardInput(Storage dy, Storage kernel, Storage dx, ConvGeometry g) {
            kernel("conv2dBackwardInput", geom(g), (b, s, h) -> b.conv2dBackwardInput(s[0], s[1], s[2], g),
                    dy, R, kernel, R, dx, W);
            forward(() -> target.conv2dBackwardInput(dy, kernel, dx, g));
        }

        @Override
        public void conv2dBackwardFilter(Storage x, Storage dy, Storage dkernel, ConvGeometry g) {
            kernel("conv2dBackwardFilter", geom(g), (b, s, h) -> b.conv2dBackwardFilter(s[0], s[1], s[2], g),
                    x, R, dy, R, dkernel, W);
            forward(() -> target.conv2dBackwardFilter(x, dy, dkernel, g));
        }

        @Override
        public void conv2dForwardFused(Storage x, Storage kernel, Storage bias, boolean relu, Storage out, ConvGeometry g) {
            kernel("conv2dBiasAct", geom(g) + (relu ? " relu" : ""),
                    (b, s, h) -> b.conv2dForwardFused(s[0], s[1], s[2], relu, s[3], g), x, R, kernel, R, bias, R, out, W);
            forward(() -> target.conv2dForwardFused(x, kernel, bias, relu, out, g));
        }

        @Override
        public void conv2dBackwardFused(Storage x, Storage kernel, Storage y, Storage dy, boolean relu, Storage dx,
                                        Storage dkernel, Storage dbias, ConvGeometry g) {
            kernel("conv2dBiasActBackward", geom(g) + (relu ? " relu" : ""),
                    (b, s, h) -> b.conv2dBackwardFused(s[0], s[1], s[2], s[3], relu, s[4], s[5], s[6], g),
                    x, R, kernel, R, y, R, dy, R, dx, W, dkernel, W, dbias, W);
            forward(() -> target.conv2dBackwardFused(x, kernel, y, dy, relu, dx, dkernel, dbias, g));
        }

        @Override
        public void adamUpdate(Storage w, Storage g, Storage m, Storage v, double alpha, double beta1, double beta2,
                               double epsilon) {
            int slot = bind(alpha);
            Node n = kernel("adam", "alpha=" + (slot >= 0 ? "$" + slot : Double.toString(alpha)) + " b1=" + beta1 + " b2="
                    + beta2 + " eps=" + epsilon, (b, s, h) -> b.adamUpdate(s[0], s[1], s[2], s[3],
                    slot >= 0 ? h[slot] : alpha, beta1, beta2, epsilon), w, RW, g, R, m, RW, v, RW);
            n.hostDependent = slot >= 0;
            forward(() -> target.adamUpdate(w, g, m, v, alpha, beta1, beta2, epsilon));
        }

        // The fused kernels below reach the recorder only when the real backend has them (cuda):
        // KernelDispatch composes the others from primitives on this view, recorded one by one.

        @Override
        public void rmspropUpdate(Storage w, Storage g, Storage vel, Storage mom, Storage avg, double lr, double rho,
                                  double momentum, double epsilon) {
            int slot = bind(lr);
            Node n = kernel("rmsprop", "lr=" + (slot >= 0 ? "$" + slot : Double.toString(lr)) + " rho=" + rho
                    + " momentum=" + momentum + " eps=" + epsilon, (b, s, h) -> b.rmspropUpdate(s[0], s[1], s[2], s[3],
                    s[4], slot >= 0 ? h[slot] : lr, rho, momentum, epsilon), w, RW, g, R, vel, RW, mom, RW, avg, RW);
            n.hostDependent = slot >= 0;
            forward(() -> target.rmspropUpdate(w, g, vel, mom, avg, lr, rho, momentum, epsilon));
        }

        @Override
        public void sgdUpdate(Storage w, Storage g, Storage m, double lr, double momentum, boolean nesterov) {
            int slot = bind(lr);
            Node n = kernel("sgd", "lr=" + (slot >= 0 ? "$" + slot : Double.toString(lr)) + " momentum=" + momentum
                    + (nesterov ? " nesterov" : ""), (b, s, h) -> b.sgdUpdate(s[0], s[1], s[2],
                    slot >= 0 ? h[slot] : lr, momentum, nesterov), w, RW, g, R, m, RW);
            n.hostDependent = slot >= 0;
            forward(() -> target.sgdUpdate(w, g, m, lr, momentum, nesterov));
        }

        @Override
        public Capability kernel(Kernel k, DType dtype, SequenceGeometry geom) {
            return target.kernel(k, dtype, geom);
        }

        @Override
        public void lstmSequenceForward(Storage xp, Storage rk, Storage h0, Storage c0, Storage packed, Storage hPrev,
                                        Storage gates, Storage cs, long batch, long steps, long hidden) {
            kernel("lstmSequence", "batch=" + batch + " steps=" + steps + " hidden=" + hidden,
                    (b, s, hv) -> b.lstmSequenceForward(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], batch, steps,
                            hidden), xp, R, rk, R, h0, R, c0, R, packed, W, hPrev, W, gates, W, cs, W);
            forward(() -> target.lstmSequenceForward(xp, rk, h0, c0, packed, hPrev, gates, cs, batch, steps, hidden));
        }

        @Override
        public Capability lstmInferenceKernel(DType dtype, SequenceGeometry geom) {
            return target.lstmInferenceKernel(dtype, geom);
        }

        @Override
        public void lstmInference(Storage x, Storage kernel, Storage rk, Storage bias, Storage h0, Storage c0,
                                  Storage y, Storage hT, Storage cT, long batch, long steps, long input, long hidden,
                                  boolean returnSequences) {
            kernel("lstmInference", "batch=" + batch + " steps=" + steps + " input=" + input + " hidden=" + hidden
                    + (returnSequences ? " sequences" : ""), (b, s, hv) -> b.lstmInference(s[0], s[1], s[2], s[3],
                    s[4], s[5], s[6], s[7], s[8], batch, steps, input, hidden, returnSequences), x, R, kernel, R, rk, R,
                    bias, R, h0, R, c0, R, y, W, hT, W, cT, W);
            forward(() -> target.lstmInference(x, kernel, rk, bias, h0, c0, y, hT, cT, batch, steps, input, hidden,
                    returnSequences));
        }

        @Override
        public void lstmSequenceBackward(Storage gates, Storage cs, Storage c0, Storage rk, Storage dP, Storage dXp,
                                         Storage dh0, Storage dc0, long batch, long steps, long hidden) {
            kernel("lstmSequenceBackward", "batch=" + batch + " steps=" + steps + " hidden=" + hidden,
                    (b, s, hv) -> b.lstmSequenceBackward(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], batch, steps,
                            hidden), gates, R, cs, R, c0, R, rk, R, dP, R, dXp, W, dh0, W, dc0, W);
            forward(() -> target.lstmSequenceBackward(gates, cs, c0, rk, dP, dXp, dh0, dc0, batch, steps, hidden));
        }

        @Override
        public void gruSequenceForward(Storage xp, Storage rk, Storage rb, Storage h0, Storage packed, Storage hPrev,
                                       Storage gates, Storage hz, long batch, long steps, long hidden) {
            kernel("gruSequence", "batch=" + batch + " steps=" + steps + " hidden=" + hidden,
                    (b, s, hv) -> b.gruSequenceForward(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], batch, steps,
                            hidden), xp, R, rk, R, rb, R, h0, R, packed, W, hPrev, W, gates, W, hz, W);
            forward(() -> target.gruSequenceForward(xp, rk, rb, h0, packed, hPrev, gates, hz, batch, steps, hidden));
        }

        @Override
        public void gruSequenceBackward(Storage gates, Storage hz, Storage hPrev, Storage rk, Storage dP, Storage dXp,
                                        Storage dHz, Storage dh0, long batch, long steps, long hidden) {
            kernel("gruSequenceBackward", "batch=" + batch + " steps=" + steps + " hidden=" + hidden,
                    (b, s, hv) -> b.gruSequenceBackward(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], batch, steps,
                            hidden), gates, R, hz, R, hPrev, R, rk, R, dP, R, dXp, W, dHz, W, dh0, W);
            forward(() -> target.gruSequenceBackward(gates, hz, hPrev, rk, dP, dXp, dHz, dh0, batch, steps, hidden));
        }

        @Override
        public void softmaxCrossEntropy(Storage logits, Storage labels, Storage loss, Storage dlogits, long rows,
                                        long classes) {
            kernel("softmaxXent", "rows=" + rows + " classes=" + classes,
                    (b, s, h) -> b.softmaxCrossEntropy(s[0], s[1], s[2], s[3], rows, classes),
                    logits, R, labels, R, loss, W, dlogits, W);
            forward(() -> target.softmaxCrossEntropy(logits, labels, loss, dlogits, rows, classes));
        }

        @Override
        public void maxPool2dForward(Storage x, Storage out, PoolGeometry g) {
            kernel("maxPool2d", geom(g), (b, s, h) -> b.maxPool2dForward(s[0], s[1], g), x, R, out, W);
            forward(() -> target.maxPool2dForward(x, out, g));
        }

        @Override
        public void maxPool2dBackward(Storage x, Storage dy, Storage dx, PoolGeometry g) {
            kernel("maxPool2dBackward", geom(g), (b, s, h) -> b.maxPool2dBackward(s[0], s[1], s[2], g),
                    x, R, dy, R, dx, W);
            forward(() -> target.maxPool2dBackward(x, dy, dx, g));
        }

        @Override
        public void avgPool2dForward(Storage x, Storage out, PoolGeometry g) {
            kernel("avgPool2d", geom(g), (b, s, h) -> b.avgPool2dForward(s[0], s[1], g), x, R, out, W);
            forward(() -> target.avgPool2dForward(x, out, g));
        }

        @Override
        public void avgPool2dBackward(Storage dy, Storage dx, PoolGeometry g) {
            kernel("avgPool2dBackward", geom(g), (b, s, h) -> b.avgPool2dBackward(s[0], s[1], g), dy, R, dx, W);
            forward(() -> target.avgPool2dBackward(dy, dx, g));
        }

        @Override
        public void lstmCellForward(Storage z, Storage cPrev, Storage h, Storage c, Storage gates, long batch, long hidden) {
            kernel("lstmCell", "batch=" + batch + " hidden=" + hidden,
                    (b, s, hv) -> b.lstmCellForward(s[0], s[1], s[2], s[3], s[4], batch, hidden),
                    z, R, cPrev, R, h, W, c, W, gates, W);
            forward(() -> target.lstmCellForward(z, cPrev, h, c, gates, batch, hidden));
        }

        @Override
        public void lstmCellBackward(Storage gates, Storage cPrev, Storage c, Storage dh, Storage dc, Storage dz,
                                     Storage dcPrev, long batch, long hidden) {
            kernel("lstmCellBackward", "batch=" + batch + " hidden=" + hidden,
                    (b, s, hv) -> b.lstmCellBackward(s[0], s[1], s[2], s[3], s[4], s[5], s[6], batch, hidden),
                    gates, R, cPrev, R, c, R, dh, R, dc, R, dz, W, dcPrev, W);
            forward(() -> target.lstmCellBackward(gates, cPrev, c, dh, dc, dz, dcPrev, batch, hidden));
        }

        @Override
        public void gruCellForward(Storage xz, Storage hz, Storage hPrev, Storage h, Storage gates, long batch, long hidden) {
            kernel("gruCell", "batch=" + batch + " hidden=" + hidden,
                    (b, s, hv) -> b.gruCellForward(s[0], s[1], s[2], s[3], s[4], batch, hidden),
                    xz, R, hz, R, hPrev, R, h, W, gates, W);
            forward(() -> target.gruCellForward(xz, hz, hPrev, h, gates, batch, hidden));
        }

        @Override
        public void gruCellBackward(Storage gates, Storage hz, Storage hPrev, Storage dh, Storage dxz, Storage dhz,
                                    Storage dhPrev, long batch, long hidden) {
            kernel("gruCellBackward", "batch=" + batch + " hidden=" + hidden,
                    (b, s, hv) -> b.gruCellBackward(s[0], s[1], s[2], s[3], s[4], s[5], s[6], batch, hidden),
                    gates, R, hz, R, hPrev, R, dh, R, dxz, W, dhz, W, dhPrev, W);
            forward(() -> target.gruCellBackward(gates, hz, hPrev, dh, dxz, dhz, dhPrev, batch, hidden));
        }
    }

    private static boolean allZero(long[] a) {
        for (long x : a) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    /** One line per node with canonical value ids: two traces of one structure give equal lists. */
    List<String> signature() {
        List<String> sig = new ArrayList<>();
        for (Node n : nodes) {
            StringBuilder b = new StringBuilder(n.kind + " " + n.op + " " + n.args);
            for (int i = 0; i < n.vals.length; i++) {
                b.append(' ');
                if (n.vals[i] < 0) {
                    b.append('-');
                } else {
                    Value v = values.get(n.vals[i]);
                    b.append(v.kind).append(v.id).append(v.dtype).append(v.numel).append(n.reads[i] ? "r" : "")
                            .append(n.writes[i] ? "w" : "");
                }
            }
            sig.add(b.toString());
        }
        return sig;
    }
}
