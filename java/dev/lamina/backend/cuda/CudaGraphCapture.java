package dev.lamina.backend.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * CUDA-graph capture of a run of cuda backend calls, for the graph API's replays
 * ({@code dev.lamina.graph}): {@link #capture} runs the calls once with this thread's launches
 * routed to a capture stream (cudaStreamBeginCapture, relaxed mode), instantiates what was captured
 * (cudaStreamEndCapture, cudaGraphInstantiate), and returns a {@link Segment} that launches it as
 * one graph on the backend's stream, in order with every other call.
 *
 * <p>What a captured graph cannot do is refused while capturing: an upload, a download or
 * {@code emptyCache} on the capturing thread throws an {@link IllegalStateException} (a captured
 * replay can neither read nor write host memory), and the capture fails. A storage freed while
 * capturing (a kernel's workspace) stays allocated until the segment is closed, because the graph
 * keeps its address. Other threads keep launching on the backend's stream while a capture runs.
 *
 * <p>Captures need a real device: the emulated device runs launches synchronously on the CPU and
 * has no graphs, so {@link #unsupportedReason()} says so there and the graph API replays node by
 * node. The capture path has not run on a GPU yet (no GPU where it was written).
 */
public final class CudaGraphCapture {
    /** System property: {@code false} turns CUDA-graph capture off (replays run node by node). */
    public static final String PROPERTY = "lamina.cuda.graphs";

    private static final Object LOCK = new Object();
    private static long captureStream;

    private CudaGraphCapture() {
    }

    /**
     * Why replays cannot be captured as CUDA graphs here, or null when they can: the cuda backend
     * must be usable on a real device (not the emulated one) and {@value #PROPERTY} not false.
     *
     * @return the reason or null
     */
    public static String unsupportedReason() {
        if ("false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").trim())) {
            return PROPERTY + "=false";
        }
        CudaRuntime rt = CudaRuntime.get();
        if (!rt.isAvailable()) {
            return "the cuda backend is not usable: " + rt.unavailableReason();
        }
        if (rt.isEmulated() || CudaNative.lamina_cuda_graphs_supported() == 0) {
            return "the emulated CUDA device has no CUDA graphs (its launches run synchronously on the CPU)";
        }
        return null;
    }

    /** The state of one capture: its stream and the storages it keeps. */
    static final class Session {
        private final long stream;
        private final List<CudaStorage> held = new ArrayList<>();

        Session(long stream) {
            this.stream = stream;
        }

        long stream() {
            return stream;
        }

        void hold(CudaStorage s) {
            held.add(s);
        }
    }

    /**
     * Captures the cuda calls {@code calls} makes on this thread into one CUDA graph. Nothing runs
     * on the device while capturing: launch the returned segment to run the calls. On failure (a
     * call that cannot be captured, a CUDA error) the capture is ended, nothing was run, and the
     * exception is thrown.
     *
     * @param calls the backend calls to capture (kernels, memsets, device-to-device copies)
     * @return the instantiated graph
     * @throws IllegalStateException when capture is not supported here, or a call cannot be captured
     * @throws CudaException when a CUDA call fails
     */
    public static Segment capture(Runnable calls) {
        String why = unsupportedReason();
        if (why != null) {
            throw new IllegalStateException("cuda: cannot capture a CUDA graph: " + why);
        }
        CudaDevice device = CudaBackend.instance().device();
        synchronized (LOCK) {
            if (captureStream == 0) {
                long[] out = new long[1];
                CudaRuntime.check(CudaNative.lamina_cuda_stream_create(out), "cuda: cudaStreamCreate (capture stream)");
                captureStream = out[0];
            }
            Session session = new Session(captureStream);
            CudaRuntime.check(CudaNative.lamina_cuda_stream_begin_capture(captureStream), "cuda: cudaStreamBeginCapture");
            device.capturing(session);
            long[] exec = new long[1];
            try {
                calls.run();
            } catch (RuntimeException | Error e) {
                device.capturing(null);
                CudaNative.lamina_cuda_stream_end_capture(captureStream, exec); // ends it; what was captured is dropped
                if (exec[0] != 0) {
                    CudaNative.lamina_cuda_graph_exec_destroy(exec[0]);
                }
                release(device, session.held);
                throw e;
            }
            device.capturing(null);
            int code = CudaNative.lamina_cuda_stream_end_capture(captureStream, exec);
            if (code != 0) {
                release(device, session.held);
                CudaRuntime.check(code, "cuda: cudaStreamEndCapture / cudaGraphInstantiate");
            }
            return new Segment(device, exec[0], session.held);
        }
    }

    private static void release(CudaDevice device, List<CudaStorage> held) {
        for (CudaStorage s : held) {
            device.free(s);
        }
        held.clear();
    }

    /** An instantiated CUDA graph and the workspaces its kernels use; close it to free both. */
    public static final class Segment implements AutoCloseable {
        private final CudaDevice device;
        private final List<CudaStorage> held;
        private long exec;

        private Segment(CudaDevice device, long exec, List<CudaStorage> held) {
            this.device = device;
            this.exec = exec;
            this.held = held;
        }

        /** Launches the graph on the backend's stream (asynchronous, ordered with all other calls). */
        public void launch() {
            if (exec == 0) {
                throw new IllegalStateException("cuda: CUDA graph launched after close");
            }
            CudaRuntime.check(CudaNative.lamina_cuda_graph_launch(exec, device.mainStream()), "cuda: cudaGraphLaunch");
        }

        /** Destroys the graph and frees the workspaces it held (after the launches queued before). */
        @Override
        public void close() {
            if (exec != 0) {
                CudaNative.lamina_cuda_graph_exec_destroy(exec);
                exec = 0;
                release(device, held);
            }
        }
    }
}
