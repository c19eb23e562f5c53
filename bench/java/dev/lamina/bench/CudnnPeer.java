package dev.lamina.bench;

import static dev.lamina.bench.PresetCalls.invoke;
import static dev.lamina.bench.PresetCalls.status;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * cuDNN's convolution forward as a peer for {@code lamina bench conv}, reached through the optional
 * JavaCPP cuda preset ({@code org.bytedeco:cuda}, which bundles cuDNN's API) by reflection, as
 * {@link CublasPeer} reaches cuBLAS: Lamina neither compiles against it nor ships it. NHWC float32
 * tensors and a KRSC (NHWC) filter, cross-correlation, the first algorithm of cuDNN's heuristics
 * (cudnnGetConvolutionForwardAlgorithm_v7), FMA math (fp32) or tensor-op math (tf32). cuDNN runs on
 * the legacy default stream of device 0's primary context, so Lamina's device addresses are valid;
 * {@link #synchronize()} waits for the whole device.
 *
 * <p>The signatures were taken from the preset's 13.1-9.19-1.5.13 jar (javap); written without a
 * GPU: only the "not on the class path" path has run.
 */
final class CudnnPeer {
    private static final String G = "org.bytedeco.cuda.global.cudnn";
    private static final String P = "org.bytedeco.cuda.cudnn.";

    private final Class<?> cudnn;
    private final Class<?> tensor;
    private final Class<?> filter;
    private final Class<?> conv;
    private final Object handle;
    private final Method deviceSynchronize;
    private final String version;

    private CudnnPeer(Class<?> cudnn, Class<?> tensor, Class<?> filter, Class<?> conv, Object handle, Method sync,
                      String version) {
        this.cudnn = cudnn;
        this.tensor = tensor;
        this.filter = filter;
        this.conv = conv;
        this.handle = handle;
        this.deviceSynchronize = sync;
        this.version = version;
    }

    /** The peer, or null with the reason appended to {@code whyNot}. Never throws. */
    static CudnnPeer load(StringBuilder whyNot) {
        Class<?> cudnn;
        Class<?> context;
        try {
            cudnn = Class.forName(G);
            context = Class.forName(P + "cudnnContext");
        } catch (ClassNotFoundException | LinkageError e) {
            whyNot.append(PresetCalls.NO_CUDNN_PRESET);
            return null;
        }
        try {
            Object handle = context.getConstructor().newInstance();
            int status = (Integer) cudnn.getMethod("cudnnCreate", context).invoke(null, handle);
            if (status != 0) {
                whyNot.append("cudnnCreate failed with status ").append(status);
                return null;
            }
            Method sync = Class.forName("org.bytedeco.cuda.global.cudart").getMethod("cudaDeviceSynchronize");
            long v = (Long) cudnn.getMethod("cudnnGetVersion").invoke(null);
            return new CudnnPeer(cudnn, Class.forName(P + "cudnnTensorStruct"), Class.forName(P + "cudnnFilterStruct"),
                    Class.forName(P + "cudnnConvolutionStruct"), handle, sync,
                    PresetCalls.cudnnVersion(v));
        } catch (InvocationTargetException e) {
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

    /** One configured forward convolution (descriptors, algorithm, workspace size). */
    final class Forward {
        private final Object xDesc;
        private final Object wDesc;
        private final Object cDesc;
        private final Object yDesc;
        private final int algo;
        /** Bytes of device workspace {@link #run} needs. */
        final long workspaceBytes;
        private final Method forward;
        private final FloatPointer one = new FloatPointer(1f);
        private final FloatPointer zero = new FloatPointer(0f);

        private Forward(int b, int h, int w, int c, int k, int kh, int kw, int padH, int padW, int oh, int ow,
                        boolean tf32) {
            int f32 = constant("CUDNN_DATA_FLOAT"), nhwc = constant("CUDNN_TENSOR_NHWC");
            xDesc = create("cudnnCreateTensorDescriptor", tensor);
            yDesc = create("cudnnCreateTensorDescriptor", tensor);
            wDesc = create("cudnnCreateFilterDescriptor", filter);
            cDesc = create("cudnnCreateConvolutionDescriptor", conv);
            Class<?>[] t4 = {tensor, int.class, int.class, int.class, int.class, int.class, int.class};
            call("cudnnSetTensor4dDescriptor", t4, xDesc, nhwc, f32, b, c, h, w);
            call("cudnnSetTensor4dDescriptor", t4, yDesc, nhwc, f32, b, k, oh, ow);
            call("cudnnSetFilter4dDescriptor", new Class<?>[] {filter, int.class, int.class, int.class, int.class,
                    int.class, int.class}, wDesc, f32, nhwc, k, c, kh, kw);
            call("cudnnSetConvolution2dDescriptor", new Class<?>[] {conv, int.class, int.class, int.class, int.class,
                    int.class, int.class, int.class, int.class}, cDesc, padH, padW, 1, 1, 1, 1,
                    constant("CUDNN_CROSS_CORRELATION"), f32);
            call("cudnnSetConvolutionMathType", new Class<?>[] {conv, int.class}, cDesc,
                    constant(tf32 ? "CUDNN_TENSOR_OP_MATH" : "CUDNN_FMA_MATH"));
            try {
                Class<?> perfType = Class.forName(P + "cudnnConvolutionFwdAlgoPerf_t");
                Object perf = perfType.getConstructor(long.class).newInstance(1L);
                int[] returned = new int[1];
                call("cudnnGetConvolutionForwardAlgorithm_v7", new Class<?>[] {handle.getClass(), tensor, filter, conv,
                        tensor, int.class, int[].class, perfType}, handle, xDesc, wDesc, cDesc, yDesc, 1, returned, perf);
                algo = returned[0] > 0 ? (Integer) perfType.getMethod("algo").invoke(perf)
                        : constant("CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM");
                SizeTPointer ws = new SizeTPointer(1);
                call("cudnnGetConvolutionForwardWorkspaceSize", new Class<?>[] {handle.getClass(), tensor, filter, conv,
                        tensor, int.class, SizeTPointer.class}, handle, xDesc, wDesc, cDesc, yDesc, algo, ws);
                workspaceBytes = ws.get();
                forward = cudnn.getMethod("cudnnConvolutionForward", handle.getClass(), Pointer.class, tensor,
                        Pointer.class, filter, Pointer.class, conv, int.class, Pointer.class, long.class, Pointer.class,
                        tensor, Pointer.class);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cuDNN forward setup: " + e, e);
            }
        }

        /** y = conv(x, w) at device addresses (x NHWC, w KRSC, y NHWC). Asynchronous. */
        void run(long x, long w, long y, long workspace) {
            status(invoke(forward, handle, one, xDesc, new PresetCalls.At(x), wDesc, new PresetCalls.At(w), cDesc, algo, new PresetCalls.At(workspace),
                    workspaceBytes, zero, yDesc, new PresetCalls.At(y)), "cudnnConvolutionForward");
        }
    }

    /** Configures a forward convolution of these sizes (stride 1, no dilation, one group). */
    Forward forward(int b, int h, int w, int c, int k, int kh, int kw, int padH, int padW, int oh, int ow,
                    boolean tf32) {
        return new Forward(b, h, w, c, k, kh, kw, padH, padW, oh, ow, tf32);
    }

    /** cudaDeviceSynchronize through the preset's runtime. */
    void synchronize() {
        status(invoke(deviceSynchronize), "cudaDeviceSynchronize");
    }

    private int constant(String name) {
        try {
            return cudnn.getField(name).getInt(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cuDNN constant " + name + ": " + e, e);
        }
    }

    private Object create(String method, Class<?> type) {
        try {
            Constructor<?> c = type.getConstructor();
            Object desc = c.newInstance();
            call(method, new Class<?>[] {type}, desc);
            return desc;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(method + ": " + e, e);
        }
    }

    private void call(String name, Class<?>[] types, Object... args) {
        try {
            status(invoke(cudnn.getMethod(name, types), args), name);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("cuDNN has no " + name + " of these parameter types: " + e, e);
        }
    }
}
