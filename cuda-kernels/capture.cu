// CUDA-graph capture for the graph API (dev.lamina.graph.CudaGraphReplay through
// dev.lamina.backend.cuda.CudaGraphCapture): the kernels a replay launches between two host steps
// are captured once from a stream and then launched as one graph. The emulated device has no
// graphs (its launches run synchronously on the CPU): there every call says cudaErrorNotSupported
// and the graph API replays node by node.
#include <cuda_runtime.h>
#include <stdint.h>

#include "lamina_cuda.h"
#include "lamina_cuda_common.cuh"

using namespace lamina;

extern "C" {

#ifdef LAMINA_CUDAEMU

int lamina_cuda_graphs_supported(void) { return 0; }

int lamina_cuda_stream_begin_capture(void* stream) { return static_cast<int>(cudaErrorNotSupported); }

int lamina_cuda_stream_end_capture(void* stream, void** exec) {
    *exec = nullptr;
    return static_cast<int>(cudaErrorNotSupported);
}

int lamina_cuda_graph_launch(void* exec, void* stream) { return static_cast<int>(cudaErrorNotSupported); }

int lamina_cuda_graph_exec_destroy(void* exec) { return static_cast<int>(cudaErrorNotSupported); }

#else

int lamina_cuda_graphs_supported(void) { return 1; }

int lamina_cuda_stream_begin_capture(void* stream) {
    // relaxed: a cache miss of the caching allocator may still cudaMalloc while capturing
    return call_result(cudaStreamBeginCapture(as_stream(stream), cudaStreamCaptureModeRelaxed));
}

int lamina_cuda_stream_end_capture(void* stream, void** exec) {
    *exec = nullptr;
    cudaGraph_t graph = nullptr;
    cudaError_t e = cudaStreamEndCapture(as_stream(stream), &graph);
    if (e != cudaSuccess) {
        if (graph != nullptr) cudaGraphDestroy(graph);
        return call_result(e);
    }
    cudaGraphExec_t x = nullptr;
    e = cudaGraphInstantiate(&x, graph, 0);
    cudaGraphDestroy(graph);
    if (e != cudaSuccess) return call_result(e);
    *exec = x;
    return 0;
}

int lamina_cuda_graph_launch(void* exec, void* stream) {
    return call_result(cudaGraphLaunch(static_cast<cudaGraphExec_t>(exec), as_stream(stream)));
}

int lamina_cuda_graph_exec_destroy(void* exec) {
    return call_result(cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(exec)));
}

#endif

}  // extern "C"
