package dev.lamina.bench;

import static dev.lamina.bench.PresetCalls.invoke;
import static dev.lamina.bench.PresetCalls.status;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * The workshop CIFAR CNN's training step ({@link dev.lamina.examples.CifarCnn}) written with cuDNN
 * and cuBLAS, as the peer of {@code lamina bench cnn-train}: reached through the optional JavaCPP
 * cuda preset ({@code org.bytedeco:cuda}) by reflection, as {@link CudnnLayerPeer}. On NHWC float32
 * tensors of batch B:
 * <pre>
 *   x [B,32,32,3] → conv 3×3 32 (+bias, ReLU) → maxpool 2×2 → conv 3×3 64 (+bias, ReLU) → maxpool 2×2
 *   → conv 3×3 64 (+bias, ReLU) → flatten 1024 → dense 64 (+bias, ReLU) → dense 10 (+bias) → softmax
 * </pre>
 * forward: cudnnConvolutionForward, cudnnAddTensor (bias), cudnnActivationForward (ReLU),
 * cudnnPoolingForward, cublasSgemm_v2 (dense), cudnnSoftmaxForward; then the gradient of the mean
 * categorical cross-entropy with respect to the logits, (softmax − y)/B, by one cudnnAddTensor; backward:
 * cublasSgemm_v2 (dense data and weight gradients), cudnnConvolutionBackwardBias (every bias),
 * cudnnActivationBackward, cudnnPoolingBackward, cudnnConvolutionBackwardData (not for the first
 * convolution, whose input needs no gradient) and cudnnConvolutionBackwardFilter. Algorithms: the first
 * of cuDNN's heuristics ({@code _v7} queries); FMA math (fp32) or tensor-op math (tf32) for the
 * convolutions, cuBLAS's default or TF32 math for the dense layers.
 *
 * <p>What it leaves out of Lamina's step, so its time is a lower bound of a cuDNN fit: the loss value
 * (a reduction Lamina's fit also reports) and the Adam update (no cuDNN routine; one element-wise
 * kernel over 122,570 parameters). Its weights are whatever is in the buffers (zeros from Lamina's
 * allocator, or random): the time does not depend on them.
 *
 * <p>Every function and constant it uses is listed in {@link #FUNCTIONS}, {@link #CONSTANTS},
 * {@link #CUBLAS_FUNCTIONS} and {@link #CUBLAS_CONSTANTS} and resolved once;
 * {@code CudnnCnnStepSignaturesTest} resolves them against the preset's 13.1-9.19-1.5.13 jar without
 * loading a native library. Written without a GPU: no cuDNN or cuBLAS call of this class has ever run.
 */
final class CudnnCnnStep {
    static final String G = "org.bytedeco.cuda.global.cudnn";
    static final String GB = "org.bytedeco.cuda.global.cublas";
    private static final String P = "org.bytedeco.cuda.cudnn.";
    private static final String CTX = P + "cudnnContext", TENSOR = P + "cudnnTensorStruct";
    private static final String FILTER = P + "cudnnFilterStruct", CONV = P + "cudnnConvolutionStruct";
    private static final String POOL = P + "cudnnPoolingStruct", ACT = P + "cudnnActivationStruct";
    private static final String FWD_PERF = P + "cudnnConvolutionFwdAlgoPerf_t";
    private static final String BWD_DATA_PERF = P + "cudnnConvolutionBwdDataAlgoPerf_t";
    private static final String BWD_FILTER_PERF = P + "cudnnConvolutionBwdFilterAlgoPerf_t";
    private static final String PTR = "org.bytedeco.javacpp.Pointer", SZ = "org.bytedeco.javacpp.SizeTPointer";
    private static final String FPTR = "org.bytedeco.javacpp.FloatPointer";
    private static final String BLAS = "org.bytedeco.cuda.cublas.cublasContext";

    /** The cuDNN functions called: name, then the parameter types of the overload used. */
    static final String[][] FUNCTIONS = {
        {"cudnnCreate", CTX},
        {"cudnnGetVersion"},
        {"cudnnCreateTensorDescriptor", TENSOR},
        {"cudnnSetTensor4dDescriptor", TENSOR, "int", "int", "int", "int", "int", "int"},
        {"cudnnCreateFilterDescriptor", FILTER},
        {"cudnnSetFilter4dDescriptor", FILTER, "int", "int", "int", "int", "int", "int"},
        {"cudnnCreateConvolutionDescriptor", CONV},
        {"cudnnSetConvolution2dDescriptor", CONV, "int", "int", "int", "int", "int", "int", "int", "int"},
        {"cudnnSetConvolutionMathType", CONV, "int"},
        {"cudnnGetConvolutionForwardAlgorithm_v7", CTX, TENSOR, FILTER, CONV, TENSOR, "int", "[I", FWD_PERF},
        {"cudnnGetConvolutionBackwardDataAlgorithm_v7", CTX, FILTER, TENSOR, CONV, TENSOR, "int", "[I", BWD_DATA_PERF},
        {"cudnnGetConvolutionBackwardFilterAlgorithm_v7", CTX, TENSOR, TENSOR, CONV, FILTER, "int", "[I",
            BWD_FILTER_PERF},
        {"cudnnGetConvolutionForwardWorkspaceSize", CTX, TENSOR, FILTER, CONV, TENSOR, "int", SZ},
        {"cudnnGetConvolutionBackwardDataWorkspaceSize", CTX, FILTER, TENSOR, CONV, TENSOR, "int", SZ},
        {"cudnnGetConvolutionBackwardFilterWorkspaceSize", CTX, TENSOR, TENSOR, CONV, FILTER, "int", SZ},
        {"cudnnConvolutionForward", CTX, PTR, TENSOR, PTR, FILTER, PTR, CONV, "int", PTR, "long", PTR, TENSOR, PTR},
        {"cudnnConvolutionBackwardData", CTX, PTR, FILTER, PTR, TENSOR, PTR, CONV, "int", PTR, "long", PTR, TENSOR,
            PTR},
        {"cudnnConvolutionBackwardFilter", CTX, PTR, TENSOR, PTR, TENSOR, PTR, CONV, "int", PTR, "long", PTR, FILTER,
            PTR},
        {"cudnnConvolutionBackwardBias", CTX, PTR, TENSOR, PTR, PTR, TENSOR, PTR},
        {"cudnnAddTensor", CTX, PTR, TENSOR, PTR, PTR, TENSOR, PTR},
        {"cudnnCreateActivationDescriptor", ACT},
        {"cudnnSetActivationDescriptor", ACT, "int", "int", "double"},
        {"cudnnActivationForward", CTX, ACT, PTR, TENSOR, PTR, PTR, TENSOR, PTR},
        {"cudnnActivationBackward", CTX, ACT, PTR, TENSOR, PTR, TENSOR, PTR, TENSOR, PTR, PTR, TENSOR, PTR},
        {"cudnnCreatePoolingDescriptor", POOL},
        {"cudnnSetPooling2dDescriptor", POOL, "int", "int", "int", "int", "int", "int", "int", "int"},
        {"cudnnPoolingForward", CTX, POOL, PTR, TENSOR, PTR, PTR, TENSOR, PTR},
        {"cudnnPoolingBackward", CTX, POOL, PTR, TENSOR, PTR, TENSOR, PTR, TENSOR, PTR, PTR, TENSOR, PTR},
        {"cudnnSoftmaxForward", CTX, "int", "int", PTR, TENSOR, PTR, PTR, TENSOR, PTR},
    };

    /** The cuDNN constants read. */
    static final String[] CONSTANTS = {"CUDNN_DATA_FLOAT", "CUDNN_TENSOR_NHWC", "CUDNN_CROSS_CORRELATION",
        "CUDNN_FMA_MATH", "CUDNN_TENSOR_OP_MATH", "CUDNN_ACTIVATION_RELU", "CUDNN_NOT_PROPAGATE_NAN",
        "CUDNN_POOLING_MAX", "CUDNN_SOFTMAX_ACCURATE", "CUDNN_SOFTMAX_MODE_CHANNEL",
        "CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM", "CUDNN_CONVOLUTION_BWD_DATA_ALGO_1",
        "CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1"};

    /** The cuBLAS functions called. */
    static final String[][] CUBLAS_FUNCTIONS = {
        {"cublasCreate_v2", BLAS},
        {"cublasSetMathMode", BLAS, "int"},
        {"cublasSgemm_v2", BLAS, "int", "int", "int", "int", "int", FPTR, FPTR, "int", FPTR, "int", FPTR, FPTR, "int"},
    };

    /** The cuBLAS constants read. */
    static final String[] CUBLAS_CONSTANTS = {"CUBLAS_OP_N", "CUBLAS_OP_T", "CUBLAS_DEFAULT_MATH",
        "CUBLAS_TF32_TENSOR_OP_MATH"};

    /** The buffers of one step, in float32 elements, by name (the caller allocates them on the device). */
    static Map<String, Long> bufferSizes(int b) {
        Map<String, Long> m = new java.util.LinkedHashMap<>();
        long[][] sizes = {
            {b * 32L * 32 * 3}, {b * 30L * 30 * 32}, {b * 15L * 15 * 32}, {b * 13L * 13 * 64}, {b * 6L * 6 * 64},
            {b * 4L * 4 * 64}, {b * 64L}, {b * 10L}};
        String[] acts = {"x", "a1", "p1", "a2", "p2", "a3", "a4", "z"};
        for (int i = 0; i < acts.length; i++) {
            m.put(acts[i], sizes[i][0]);
            if (i > 0) {
                m.put("pre_" + acts[i], sizes[i][0]);   // pre-activation (conv/dense output before ReLU)
                m.put("d_" + acts[i], sizes[i][0]);     // gradient of the activation
                m.put("dpre_" + acts[i], sizes[i][0]);  // gradient of the pre-activation
            }
        }
        m.put("y", b * 10L);
        long[][] w = {{3 * 3 * 3 * 32, 32}, {3 * 3 * 32 * 64, 64}, {3 * 3 * 64 * 64, 64}, {1024 * 64, 64}, {64 * 10, 10}};
        for (int i = 0; i < w.length; i++) {
            m.put("w" + (i + 1), w[i][0]);
            m.put("dw" + (i + 1), w[i][0]);
            m.put("b" + (i + 1), w[i][1]);
            m.put("db" + (i + 1), w[i][1]);
        }
        return m;
    }

    /**
     * Resolves every function and constant with {@code loader} without initialising a class.
     *
     * @param loader the class loader that sees the preset
     * @param resolved where the methods go, by name (may be null)
     * @return what did not resolve, empty when everything did
     */
    static List<String> resolve(ClassLoader loader, Map<String, Method> resolved) {
        List<String> missing = new ArrayList<>();
        PresetCalls.resolve(loader, G, FUNCTIONS, CONSTANTS, resolved, missing);
        PresetCalls.resolve(loader, GB, CUBLAS_FUNCTIONS, CUBLAS_CONSTANTS, resolved, missing);
        return missing;
    }

    private final Class<?> cudnn;
    private final Class<?> cublas;
    private final Map<String, Method> fns;
    private final Object handle;
    private final Object blas;
    private final Method deviceSynchronize;
    private final String version;
    private final int batch;
    private final Map<String, Long> at;
    private final FloatPointer one = new FloatPointer(1f);
    private final FloatPointer zero = new FloatPointer(0f);
    private final FloatPointer invB;
    private final FloatPointer minusInvB;
    private Object relu;
    private Object pool;
    private final Conv[] convs = new Conv[3];
    private long workspace;
    private long workspaceBytes;

    private CudnnCnnStep(Class<?> cudnn, Class<?> cublas, Map<String, Method> fns, Object handle, Object blas,
                         Method sync, String version, int batch, Map<String, Long> addresses) {
        this.cudnn = cudnn;
        this.cublas = cublas;
        this.fns = fns;
        this.handle = handle;
        this.blas = blas;
        this.deviceSynchronize = sync;
        this.version = version;
        this.batch = batch;
        this.at = addresses;
        this.invB = new FloatPointer(1f / batch);
        this.minusInvB = new FloatPointer(-1f / batch);
    }

    /**
     * The step for batch {@code b} on the device buffers {@code addresses} (every name of {@link
     * #bufferSizes}, float32, at least that many elements; "ws" is filled in by {@link
     * #workspaceBytes()} later), or null with the reason appended to {@code whyNot}. Never throws.
     *
     * @param b the batch size
     * @param tf32 tensor-op (tf32) math for convolutions and dense layers, else fp32
     * @param addresses device addresses by buffer name
     * @param whyNot receives the reason when the peer cannot be made
     * @return the configured step or null
     */
    static CudnnCnnStep load(int b, boolean tf32, Map<String, Long> addresses, StringBuilder whyNot) {
        ClassLoader loader = CudnnCnnStep.class.getClassLoader();
        try {
            Class.forName(G, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            whyNot.append(PresetCalls.NO_CUDNN_PRESET);
            return null;
        }
        Map<String, Method> fns = new HashMap<>();
        List<String> missing = resolve(loader, fns);
        if (!missing.isEmpty()) {
            whyNot.append("this cuda preset lacks what the CNN step calls: ").append(missing);
            return null;
        }
        try {
            Class<?> cudnn = Class.forName(G, true, loader);
            Class<?> cublas = Class.forName(GB, true, loader);
            Object handle = Class.forName(CTX, true, loader).getConstructor().newInstance();
            Object blas = Class.forName(BLAS, true, loader).getConstructor().newInstance();
            status(invoke(fns.get("cudnnCreate"), handle), "cudnnCreate");
            status(invoke(fns.get("cublasCreate_v2"), blas), "cublasCreate_v2");
            Method sync = Class.forName("org.bytedeco.cuda.global.cudart").getMethod("cudaDeviceSynchronize");
            long v = (Long) fns.get("cudnnGetVersion").invoke(null);
            CudnnCnnStep s = new CudnnCnnStep(cudnn, cublas, fns, handle, blas, sync,
                    PresetCalls.cudnnVersion(v), b, addresses);
            s.configure(tf32);
            return s;
        } catch (java.lang.reflect.InvocationTargetException e) {
            whyNot.append("the cuda preset failed to start cuDNN/cuBLAS: ").append(e.getCause());
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            whyNot.append("the cuDNN CNN step could not be set up: ").append(e);
        }
        return null;
    }

    /** "cuDNN 9.19.0 + cuBLAS (org.bytedeco cuda preset)". */
    String describe() {
        return "cuDNN" + version + " + cuBLAS (org.bytedeco cuda preset)";
    }

    /** Bytes of device workspace the convolutions need (the largest of their passes); pass it as "ws". */
    long workspaceBytes() {
        return workspaceBytes;
    }

    /** cudaDeviceSynchronize through the preset's runtime. */
    void synchronize() {
        status(invoke(deviceSynchronize), "cudaDeviceSynchronize");
    }

    private int constant(String name) {
        return PresetCalls.constant(cudnn, "cuDNN", name);
    }

    private int blasConstant(String name) {
        return PresetCalls.constant(cublas, "cuBLAS", name);
    }

    private void call(String name, Object... args) {
        PresetCalls.call(fns, name, args);
    }

    private Object create(String createFn, String type) {
        return PresetCalls.create(fns, createFn, type);
    }

    /** An NHWC float32 tensor descriptor [n, c, h, w] (cuDNN's argument order). */
    private Object tensor(int n, int c, int h, int w) {
        return PresetCalls.nhwcTensor(cudnn, fns, TENSOR, n, c, h, w);
    }

    private Pointer ptr(String name) {
        Long a = name.equals("ws") ? Long.valueOf(workspace) : at.get(name);
        if (a == null) {
            throw new IllegalArgumentException("cuDNN CNN step: no device buffer '" + name + "'");
        }
        return a == 0 ? null : new PresetCalls.At(a);
    }

    private FloatPointer fptr(String name) {
        return new FloatPointer(ptr(name));
    }

    /** One valid 3×3 convolution with bias and ReLU: descriptors and algorithms of its three passes. */
    private final class Conv {
        final Object xDesc;
        final Object yDesc;
        final Object wDesc;
        final Object cDesc;
        final Object bDesc;
        final int fwdAlgo;
        final int dataAlgo;
        final int filterAlgo;
        final long bytes;

        Conv(int h, int c, int k, boolean tf32) {
            int f32 = constant("CUDNN_DATA_FLOAT");
            xDesc = tensor(batch, c, h, h);
            yDesc = tensor(batch, k, h - 2, h - 2);
            bDesc = tensor(1, k, 1, 1);
            wDesc = create("cudnnCreateFilterDescriptor", FILTER);
            call("cudnnSetFilter4dDescriptor", wDesc, f32, constant("CUDNN_TENSOR_NHWC"), k, c, 3, 3);
            cDesc = create("cudnnCreateConvolutionDescriptor", CONV);
            call("cudnnSetConvolution2dDescriptor", cDesc, 0, 0, 1, 1, 1, 1, constant("CUDNN_CROSS_CORRELATION"), f32);
            call("cudnnSetConvolutionMathType", cDesc, constant(tf32 ? "CUDNN_TENSOR_OP_MATH" : "CUDNN_FMA_MATH"));
            try {
                fwdAlgo = firstAlgo("cudnnGetConvolutionForwardAlgorithm_v7", FWD_PERF,
                        "CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM", xDesc, wDesc, cDesc, yDesc);
                dataAlgo = firstAlgo("cudnnGetConvolutionBackwardDataAlgorithm_v7", BWD_DATA_PERF,
                        "CUDNN_CONVOLUTION_BWD_DATA_ALGO_1", wDesc, yDesc, cDesc, xDesc);
                filterAlgo = firstAlgo("cudnnGetConvolutionBackwardFilterAlgorithm_v7", BWD_FILTER_PERF,
                        "CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1", xDesc, yDesc, cDesc, wDesc);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cuDNN algorithm query: " + e, e);
            }
            SizeTPointer ws = new SizeTPointer(1);
            call("cudnnGetConvolutionForwardWorkspaceSize", handle, xDesc, wDesc, cDesc, yDesc, fwdAlgo, ws);
            long m = ws.get();
            call("cudnnGetConvolutionBackwardDataWorkspaceSize", handle, wDesc, yDesc, cDesc, xDesc, dataAlgo, ws);
            m = Math.max(m, ws.get());
            call("cudnnGetConvolutionBackwardFilterWorkspaceSize", handle, xDesc, yDesc, cDesc, wDesc, filterAlgo, ws);
            bytes = Math.max(m, ws.get());
        }

        private int firstAlgo(String fn, String perfType, String fallback, Object a, Object b, Object c, Object d)
                throws ReflectiveOperationException {
            Class<?> pt = Class.forName(perfType);
            Object perf = pt.getConstructor(long.class).newInstance(1L);
            int[] returned = new int[1];
            call(fn, handle, a, b, c, d, 1, returned, perf);
            return returned[0] > 0 ? (Integer) pt.getMethod("algo").invoke(perf) : constant(fallback);
        }
    }

    private Object[] denseDescs;
    private Object zDesc;
    private Object[] actDescs;

    private void configure(boolean tf32) {
        relu = create("cudnnCreateActivationDescriptor", ACT);
        call("cudnnSetActivationDescriptor", relu, constant("CUDNN_ACTIVATION_RELU"), constant("CUDNN_NOT_PROPAGATE_NAN"),
                0.0);
        pool = create("cudnnCreatePoolingDescriptor", POOL);
        call("cudnnSetPooling2dDescriptor", pool, constant("CUDNN_POOLING_MAX"), constant("CUDNN_NOT_PROPAGATE_NAN"),
                2, 2, 0, 0, 2, 2);
        convs[0] = new Conv(32, 3, 32, tf32);
        convs[1] = new Conv(15, 32, 64, tf32);
        convs[2] = new Conv(6, 64, 64, tf32);
        for (Conv c : convs) {
            workspaceBytes = Math.max(workspaceBytes, c.bytes);
        }
        // activations a1 [30,30,32], a2 [13,13,64], a3 [4,4,64], a4 [64]; pooled p1 [15,15,32], p2 [6,6,64]
        actDescs = new Object[] {convs[0].yDesc, convs[1].yDesc, convs[2].yDesc, tensor(batch, 64, 1, 1)};
        denseDescs = new Object[] {tensor(1, 64, 1, 1), tensor(1, 10, 1, 1)};
        zDesc = tensor(batch, 10, 1, 1);
        call("cublasSetMathMode", blas, blasConstant(tf32 ? "CUBLAS_TF32_TENSOR_OP_MATH" : "CUBLAS_DEFAULT_MATH"));
    }

    /**
     * Where the workspace lives (at least {@link #workspaceBytes()} bytes).
     *
     * @param address its device address
     */
    void setWorkspace(long address) {
        workspace = address;
    }

    /** Row-major C[m×n] = op(A)·op(B) with cuBLAS's column-major sgemm (Cᵀ = op(B)ᵀ·op(A)ᵀ). */
    private void gemm(boolean transA, boolean transB, int m, int n, int k, String a, String b, String c) {
        int opN = blasConstant("CUBLAS_OP_N"), opT = blasConstant("CUBLAS_OP_T");
        int lda = transA ? m : k, ldb = transB ? k : n;
        status(invoke(fns.get("cublasSgemm_v2"), blas, transB ? opT : opN, transA ? opT : opN, n, m, k, one, fptr(b),
                ldb, fptr(a), lda, zero, fptr(c), n), "cublasSgemm_v2");
    }

    /** One forward and backward pass of the CNN (no loss value, no optimizer step). Asynchronous. */
    void step() {
        String[] in = {"x", "p1", "p2"};
        String[] pre = {"pre_a1", "pre_a2", "pre_a3"};
        String[] act = {"a1", "a2", "a3"};
        String[] pooled = {"p1", "p2", null};
        // ---- forward
        for (int i = 0; i < 3; i++) {
            Conv c = convs[i];
            call("cudnnConvolutionForward", handle, one, c.xDesc, ptr(in[i]), c.wDesc, ptr("w" + (i + 1)), c.cDesc,
                    c.fwdAlgo, ptr("ws"), workspaceBytes, zero, c.yDesc, ptr(pre[i]));
            call("cudnnAddTensor", handle, one, c.bDesc, ptr("b" + (i + 1)), one, c.yDesc, ptr(pre[i]));
            call("cudnnActivationForward", handle, relu, one, c.yDesc, ptr(pre[i]), zero, c.yDesc, ptr(act[i]));
            if (pooled[i] != null) {
                call("cudnnPoolingForward", handle, pool, one, c.yDesc, ptr(act[i]), zero, convs[i + 1].xDesc,
                        ptr(pooled[i]));
            }
        }
        gemm(false, false, batch, 64, 1024, "a3", "w4", "pre_a4");
        call("cudnnAddTensor", handle, one, denseDescs[0], ptr("b4"), one, actDescs[3], ptr("pre_a4"));
        call("cudnnActivationForward", handle, relu, one, actDescs[3], ptr("pre_a4"), zero, actDescs[3], ptr("a4"));
        gemm(false, false, batch, 10, 64, "a4", "w5", "pre_z");
        call("cudnnAddTensor", handle, one, denseDescs[1], ptr("b5"), one, zDesc, ptr("pre_z"));
        // softmax into the logits' gradient buffer, then dz = (softmax − y)/B in place
        call("cudnnSoftmaxForward", handle, constant("CUDNN_SOFTMAX_ACCURATE"), constant("CUDNN_SOFTMAX_MODE_CHANNEL"),
                one, zDesc, ptr("pre_z"), zero, zDesc, ptr("dpre_z"));
        call("cudnnAddTensor", handle, minusInvB, zDesc, ptr("y"), invB, zDesc, ptr("dpre_z"));
        // ---- backward: dense layers
        gemm(true, false, 64, 10, batch, "a4", "dpre_z", "dw5");
        call("cudnnConvolutionBackwardBias", handle, one, zDesc, ptr("dpre_z"), zero, denseDescs[1], ptr("db5"));
        gemm(false, true, batch, 64, 10, "dpre_z", "w5", "d_a4");
        call("cudnnActivationBackward", handle, relu, one, actDescs[3], ptr("a4"), actDescs[3], ptr("d_a4"),
                actDescs[3], ptr("pre_a4"), zero, actDescs[3], ptr("dpre_a4"));
        gemm(true, false, 1024, 64, batch, "a3", "dpre_a4", "dw4");
        call("cudnnConvolutionBackwardBias", handle, one, actDescs[3], ptr("dpre_a4"), zero, denseDescs[0], ptr("db4"));
        gemm(false, true, batch, 1024, 64, "dpre_a4", "w4", "d_a3");
        // ---- backward: convolutions, last to first
        for (int i = 2; i >= 0; i--) {
            Conv c = convs[i];
            call("cudnnActivationBackward", handle, relu, one, c.yDesc, ptr(act[i]), c.yDesc, ptr("d_" + act[i]),
                    c.yDesc, ptr(pre[i]), zero, c.yDesc, ptr("dpre_" + act[i]));
            call("cudnnConvolutionBackwardBias", handle, one, c.yDesc, ptr("dpre_" + act[i]), zero, c.bDesc,
                    ptr("db" + (i + 1)));
            call("cudnnConvolutionBackwardFilter", handle, one, c.xDesc, ptr(in[i]), c.yDesc, ptr("dpre_" + act[i]),
                    c.cDesc, c.filterAlgo, ptr("ws"), workspaceBytes, zero, c.wDesc, ptr("dw" + (i + 1)));
            if (i > 0) {
                // the gradient of the pooled input, then through the pooling to the previous activation
                call("cudnnConvolutionBackwardData", handle, one, c.wDesc, ptr("w" + (i + 1)), c.yDesc,
                        ptr("dpre_" + act[i]), c.cDesc, c.dataAlgo, ptr("ws"), workspaceBytes, zero, c.xDesc,
                        ptr("d_" + in[i]));
                call("cudnnPoolingBackward", handle, pool, one, c.xDesc, ptr(in[i]), c.xDesc, ptr("d_" + in[i]),
                        convs[i - 1].yDesc, ptr(act[i - 1]), zero, convs[i - 1].yDesc, ptr("d_" + act[i - 1]));
            }
        }
    }
}
