package dev.lamina.bench;

import static dev.lamina.bench.PresetCalls.invoke;
import static dev.lamina.bench.PresetCalls.status;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * cuDNN's pooling and recurrent layers as peers for {@code lamina bench pool|lstm|gru|lstm-train},
 * reached through the optional JavaCPP cuda preset ({@code org.bytedeco:cuda}) by reflection, as
 * {@link CudnnPeer} reaches cuDNN's convolution: Lamina neither compiles against it nor ships it.
 * Pooling: NHWC float32, 2×2 windows, stride 2, no padding (max, and average excluding padding).
 * Recurrences: cuDNN's v8 RNN API, one unidirectional layer, LSTM or GRU (cuDNN's GRU is Keras's
 * reset_after), two bias vectors, batch-major unpacked sequences of equal length, float32 with FMA
 * math (no tensor cores) or the default math (tf32 tensor cores allowed); forward in inference mode,
 * forward + backward (data and weights) in training mode. cuDNN runs on the legacy default stream of
 * device 0's primary context, so Lamina's device addresses are valid; {@link #synchronize()} waits
 * for the whole device.
 *
 * <p>Every function and constant it uses is listed in {@link #FUNCTIONS} and {@link #CONSTANTS} and
 * resolved once; {@code CudnnLayerPeerSignaturesTest} resolves them against the preset's
 * 13.1-9.19-1.5.13 jar without loading any native library. Written without a GPU: no cuDNN call of
 * this class has ever run.
 */
final class CudnnLayerPeer {
    static final String G = "org.bytedeco.cuda.global.cudnn";
    private static final String P = "org.bytedeco.cuda.cudnn.";
    private static final String CTX = P + "cudnnContext", TENSOR = P + "cudnnTensorStruct";
    private static final String POOL = P + "cudnnPoolingStruct", RNN = P + "cudnnRNNStruct";
    private static final String DATA = P + "cudnnRNNDataStruct", DROP = P + "cudnnDropoutStruct";
    private static final String PTR = "org.bytedeco.javacpp.Pointer", IPTR = "org.bytedeco.javacpp.IntPointer";
    private static final String SZ = "org.bytedeco.javacpp.SizeTPointer";

    /** The cuDNN functions this peer calls: name, then the parameter types of the overload used. */
    static final String[][] FUNCTIONS = {
        {"cudnnCreate", CTX},
        {"cudnnGetVersion"},
        {"cudnnCreateTensorDescriptor", TENSOR},
        {"cudnnSetTensor4dDescriptor", TENSOR, "int", "int", "int", "int", "int", "int"},
        {"cudnnSetTensorNdDescriptor", TENSOR, "int", "int", "[I", "[I"},
        {"cudnnCreatePoolingDescriptor", POOL},
        {"cudnnSetPooling2dDescriptor", POOL, "int", "int", "int", "int", "int", "int", "int", "int"},
        {"cudnnPoolingForward", CTX, POOL, PTR, TENSOR, PTR, PTR, TENSOR, PTR},
        {"cudnnPoolingBackward", CTX, POOL, PTR, TENSOR, PTR, TENSOR, PTR, TENSOR, PTR, PTR, TENSOR, PTR},
        {"cudnnCreateDropoutDescriptor", DROP},
        {"cudnnSetDropoutDescriptor", DROP, CTX, "float", PTR, "long", "long"},
        {"cudnnCreateRNNDescriptor", RNN},
        {"cudnnSetRNNDescriptor_v8", RNN, "int", "int", "int", "int", "int", "int", "int", "int", "int", "int", "int",
            "int", DROP, "int"},
        {"cudnnCreateRNNDataDescriptor", DATA},
        {"cudnnSetRNNDataDescriptor", DATA, "int", "int", "int", "int", "int", "[I", PTR},
        {"cudnnGetRNNWeightSpaceSize", CTX, RNN, SZ},
        {"cudnnGetRNNTempSpaceSizes", CTX, RNN, "int", DATA, SZ, SZ},
        {"cudnnRNNForward", CTX, RNN, "int", IPTR, DATA, PTR, DATA, PTR, TENSOR, PTR, PTR, TENSOR, PTR, PTR, "long", PTR,
            "long", PTR, "long", PTR},
        {"cudnnRNNBackwardData_v8", CTX, RNN, IPTR, DATA, PTR, PTR, DATA, PTR, TENSOR, PTR, PTR, PTR, TENSOR, PTR, PTR,
            PTR, "long", PTR, "long", PTR, "long", PTR},
        {"cudnnRNNBackwardWeights_v8", CTX, RNN, "int", IPTR, DATA, PTR, TENSOR, PTR, DATA, PTR, "long", PTR, "long",
            PTR, "long", PTR},
    };

    /** The cuDNN constants this peer reads. */
    static final String[] CONSTANTS = {"CUDNN_DATA_FLOAT", "CUDNN_TENSOR_NHWC", "CUDNN_POOLING_MAX",
        "CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING", "CUDNN_NOT_PROPAGATE_NAN", "CUDNN_RNN_ALGO_STANDARD",
        "CUDNN_LSTM", "CUDNN_GRU", "CUDNN_RNN_DOUBLE_BIAS", "CUDNN_UNIDIRECTIONAL", "CUDNN_LINEAR_INPUT",
        "CUDNN_FMA_MATH", "CUDNN_DEFAULT_MATH", "CUDNN_RNN_PADDED_IO_DISABLED",
        "CUDNN_RNN_DATA_LAYOUT_BATCH_MAJOR_UNPACKED", "CUDNN_FWD_MODE_INFERENCE", "CUDNN_FWD_MODE_TRAINING",
        "CUDNN_WGRAD_MODE_ADD"};

    private final Class<?> cudnn;
    private final Map<String, Method> fns;
    private final Object handle;
    private final Method deviceSynchronize;
    private final String version;
    private final FloatPointer one = new FloatPointer(1f);
    private final FloatPointer zero = new FloatPointer(0f);

    private CudnnLayerPeer(Class<?> cudnn, Map<String, Method> fns, Object handle, Method sync, String version) {
        this.cudnn = cudnn;
        this.fns = fns;
        this.handle = handle;
        this.deviceSynchronize = sync;
        this.version = version;
    }

    /**
     * Resolves every function of {@link #FUNCTIONS} and constant of {@link #CONSTANTS} with {@code
     * loader} without initialising any class (no native library is loaded).
     *
     * @param loader the class loader that sees the preset
     * @param resolved where the methods go, by name (may be null)
     * @return what did not resolve, empty when everything did
     */
    static List<String> resolve(ClassLoader loader, Map<String, Method> resolved) {
        List<String> missing = new ArrayList<>();
        PresetCalls.resolve(loader, G, FUNCTIONS, CONSTANTS, resolved, missing);
        return missing;
    }

    /** The peer, or null with the reason appended to {@code whyNot}. Never throws. */
    static CudnnLayerPeer load(StringBuilder whyNot) {
        ClassLoader loader = CudnnLayerPeer.class.getClassLoader();
        try {
            Class.forName(G, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            whyNot.append(PresetCalls.NO_CUDNN_PRESET);
            return null;
        }
        Map<String, Method> fns = new HashMap<>();
        List<String> missing = resolve(loader, fns);
        if (!missing.isEmpty()) {
            whyNot.append("this cuda preset lacks what the peer calls: ").append(missing);
            return null;
        }
        try {
            Class<?> cudnn = Class.forName(G, true, loader);
            Object handle = Class.forName(CTX, true, loader).getConstructor().newInstance();
            int st = (Integer) fns.get("cudnnCreate").invoke(null, handle);
            if (st != 0) {
                whyNot.append("cudnnCreate failed with status ").append(st);
                return null;
            }
            Method sync = Class.forName("org.bytedeco.cuda.global.cudart").getMethod("cudaDeviceSynchronize");
            long v = (Long) fns.get("cudnnGetVersion").invoke(null);
            return new CudnnLayerPeer(cudnn, fns, handle, sync, PresetCalls.cudnnVersion(v));
        } catch (java.lang.reflect.InvocationTargetException e) {
            whyNot.append("the cuda preset failed to start cuDNN: ").append(e.getCause());
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            whyNot.append("the cuda preset failed to load cuDNN: ").append(e);
        }
        return null;
    }

    /** "cuDNN 9.19.0 (org.bytedeco cuda preset)". */
    String describe() {
        return "cuDNN" + version + " (org.bytedeco cuda preset)";
    }

    /** cudaDeviceSynchronize through the preset's runtime. */
    void synchronize() {
        status(invoke(deviceSynchronize), "cudaDeviceSynchronize");
    }

    /** A JavaCPP int pointer at a device address that Lamina's allocator owns. */
    private static final class AtInt extends IntPointer {
        AtInt(long deviceAddress) {
            this.address = deviceAddress;
        }
    }

    private static Pointer at(long address) {
        return address == 0 ? null : new PresetCalls.At(address);
    }

    private int constant(String name) {
        return PresetCalls.constant(cudnn, "cuDNN", name);
    }

    private void call(String name, Object... args) {
        PresetCalls.call(fns, name, args);
    }

    private Object create(String createFn, String type) {
        return PresetCalls.create(fns, createFn, type);
    }

    private Object tensor4d(int b, int c, int h, int w) {
        return PresetCalls.nhwcTensor(cudnn, fns, TENSOR, b, c, h, w);
    }

    /** One configured 2×2 stride-2 unpadded pooling of an NHWC float32 tensor. */
    final class Pool {
        private final Object pd;
        private final Object xDesc;
        private final Object yDesc;

        private Pool(int b, int h, int w, int c, boolean max) {
            xDesc = tensor4d(b, c, h, w);
            yDesc = tensor4d(b, c, h / 2, w / 2);
            pd = create("cudnnCreatePoolingDescriptor", POOL);
            call("cudnnSetPooling2dDescriptor", pd, constant(max ? "CUDNN_POOLING_MAX"
                    : "CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING"), constant("CUDNN_NOT_PROPAGATE_NAN"), 2, 2, 0, 0,
                    2, 2);
        }

        /** y = pool(x) at device addresses. Asynchronous. */
        void forward(long x, long y) {
            call("cudnnPoolingForward", handle, pd, one, xDesc, at(x), zero, yDesc, at(y));
        }

        /** dx from y, dy and x at device addresses. Asynchronous. */
        void backward(long y, long dy, long x, long dx) {
            call("cudnnPoolingBackward", handle, pd, one, yDesc, at(y), yDesc, at(dy), xDesc, at(x), zero, xDesc, at(dx));
        }
    }

    /**
     * Configures a 2×2 stride-2 pooling of x [b, h, w, c] (h and w even).
     *
     * @param b batch
     * @param h height
     * @param w width
     * @param c channels
     * @param max max pooling, else average
     * @return the configured pooling
     */
    Pool pool(int b, int h, int w, int c, boolean max) {
        return new Pool(b, h, w, c, max);
    }

    /** One configured single-layer LSTM or GRU over [b, t, in] sequences of equal length t. */
    final class Rnn {
        private final Object rnn;
        private final Object xDesc;
        private final Object yDesc;
        private final Object hDesc;
        /** Bytes of the weight space (weights and biases, cuDNN's layout; random values are fine to time). */
        final long weightBytes;
        /** Bytes of device workspace (the larger of inference and training). */
        final long workBytes;
        /** Bytes of the reserve space training needs between forward and backward. */
        final long reserveBytes;

        private Rnn(boolean lstm, int b, int t, int in, int hid, boolean tf32) {
            int f32 = constant("CUDNN_DATA_FLOAT");
            Object drop = create("cudnnCreateDropoutDescriptor", DROP);
            call("cudnnSetDropoutDescriptor", drop, handle, 0f, null, 0L, 0L);
            rnn = create("cudnnCreateRNNDescriptor", RNN);
            call("cudnnSetRNNDescriptor_v8", rnn, constant("CUDNN_RNN_ALGO_STANDARD"),
                    constant(lstm ? "CUDNN_LSTM" : "CUDNN_GRU"), constant("CUDNN_RNN_DOUBLE_BIAS"),
                    constant("CUDNN_UNIDIRECTIONAL"), constant("CUDNN_LINEAR_INPUT"), f32, f32,
                    constant(tf32 ? "CUDNN_DEFAULT_MATH" : "CUDNN_FMA_MATH"), in, hid, hid, 1, drop,
                    constant("CUDNN_RNN_PADDED_IO_DISABLED"));
            int[] lengths = new int[b];
            java.util.Arrays.fill(lengths, t);
            xDesc = create("cudnnCreateRNNDataDescriptor", DATA);
            yDesc = create("cudnnCreateRNNDataDescriptor", DATA);
            int layout = constant("CUDNN_RNN_DATA_LAYOUT_BATCH_MAJOR_UNPACKED");
            call("cudnnSetRNNDataDescriptor", xDesc, f32, layout, t, b, in, lengths, null);
            call("cudnnSetRNNDataDescriptor", yDesc, f32, layout, t, b, hid, lengths, null);
            hDesc = create("cudnnCreateTensorDescriptor", TENSOR);
            call("cudnnSetTensorNdDescriptor", hDesc, f32, 3, new int[] {1, b, hid}, new int[] {b * hid, hid, 1});
            SizeTPointer w = new SizeTPointer(1), ws = new SizeTPointer(1), rs = new SizeTPointer(1);
            call("cudnnGetRNNWeightSpaceSize", handle, rnn, w);
            weightBytes = w.get();
            call("cudnnGetRNNTempSpaceSizes", handle, rnn, constant("CUDNN_FWD_MODE_INFERENCE"), xDesc, ws, rs);
            long inferWs = ws.get();
            call("cudnnGetRNNTempSpaceSizes", handle, rnn, constant("CUDNN_FWD_MODE_TRAINING"), xDesc, ws, rs);
            workBytes = Math.max(inferWs, ws.get());
            reserveBytes = rs.get();
        }

        /**
         * The forward at device addresses: seq the device int32 lengths [b], x [b, t, in], y [b, t, hid],
         * h0 (and c0 for the LSTM; 0 for zeros) [b, hid], w the weight space, ws the workspace, rs the
         * reserve space (training only; 0 for inference). Asynchronous.
         */
        void forward(boolean training, long seq, long x, long y, long h0, long c0, long w, long ws, long rs) {
            call("cudnnRNNForward", handle, rnn, constant(training ? "CUDNN_FWD_MODE_TRAINING" : "CUDNN_FWD_MODE_INFERENCE"),
                    new AtInt(seq), xDesc, at(x), yDesc, at(y), hDesc, at(h0), null, hDesc, at(c0), null, weightBytes,
                    at(w), workBytes, at(ws), training ? reserveBytes : 0L, training ? at(rs) : null);
        }

        /**
         * The backward after a training forward: dx from dy (backward data, no dh/dc inputs or outputs),
         * then dw added to (backward weights). Asynchronous.
         */
        void backward(long seq, long x, long y, long dy, long dx, long h0, long c0, long w, long dw, long ws, long rs) {
            call("cudnnRNNBackwardData_v8", handle, rnn, new AtInt(seq), yDesc, at(y), at(dy), xDesc, at(dx), hDesc,
                    at(h0), null, null, hDesc, at(c0), null, null, weightBytes, at(w), workBytes, at(ws), reserveBytes,
                    at(rs));
            call("cudnnRNNBackwardWeights_v8", handle, rnn, constant("CUDNN_WGRAD_MODE_ADD"), new AtInt(seq), xDesc,
                    at(x), hDesc, at(h0), yDesc, at(y), weightBytes, at(dw), workBytes, at(ws), reserveBytes, at(rs));
        }
    }

    /**
     * Configures a single-layer recurrence.
     *
     * @param lstm LSTM, else GRU
     * @param b batch
     * @param t steps
     * @param in input features
     * @param hid hidden units
     * @param tf32 cuDNN's default math (tf32 allowed), else FMA math
     * @return the configured recurrence
     */
    Rnn rnn(boolean lstm, int b, int t, int in, int hid, boolean tf32) {
        return new Rnn(lstm, b, t, in, hid, tf32);
    }
}
