// The CUDA runtime surface of the cuda backend: probe, streams, events, memory, copies, errors
// (see native/lamina_cuda.h).
// Compiled by nvcc with the static CUDA runtime; without a driver every call returns an error
// code (cudaErrorInsufficientDriver, cudaErrorNoDevice, ...) instead of failing.
#include <cuda_runtime.h>
#include <stdint.h>
#include <string.h>

#include "lamina_cuda.h"

namespace {

// A failed runtime call also sets the thread's "last error", which the kernel launchers read
// with cudaGetLastError after each launch. The error is returned to Java here, so it is cleared:
// otherwise a failed cudaMalloc (out of memory, retried after emptying the cache) would be
// reported again by the next, successful kernel launch. Sticky errors (a kernel fault) cannot
// be cleared and keep coming back, as they should.
inline int checked(cudaError_t e) {
    if (e != cudaSuccess) {
        cudaGetLastError();
    }
    return static_cast<int>(e);
}

}  // namespace

extern "C" {

const char* lamina_cuda_error_name(int code) {
    const char* s = cudaGetErrorName(static_cast<cudaError_t>(code));
    return s != nullptr ? s : "cudaErrorUnknown";
}

const char* lamina_cuda_error_string(int code) {
    const char* s = cudaGetErrorString(static_cast<cudaError_t>(code));
    return s != nullptr ? s : "unknown error";
}

int lamina_cuda_get_last_error(void) {
    return static_cast<int>(cudaGetLastError());
}

int lamina_cuda_runtime_version(int* version) {
    return static_cast<int>(cudaRuntimeGetVersion(version));
}

int lamina_cuda_driver_version(int* version) {
    return static_cast<int>(cudaDriverGetVersion(version));
}

int lamina_cuda_device_count(int* count) {
    *count = 0;
    cudaError_t e = cudaGetDeviceCount(count);
    if (e != cudaSuccess) {
        *count = 0;
        cudaGetLastError();  // the probe's failure must not stick to later calls
    }
    return static_cast<int>(e);
}

int lamina_cuda_device_info(int device, char* name, int name_len, int* major, int* minor,
                            int64_t* total_memory) {
    cudaDeviceProp prop;
    cudaError_t e = cudaGetDeviceProperties(&prop, device);
    if (e != cudaSuccess) {
        return checked(e);
    }
    if (name != nullptr && name_len > 0) {
        strncpy(name, prop.name, static_cast<size_t>(name_len) - 1);
        name[name_len - 1] = '\0';
    }
    *major = prop.major;
    *minor = prop.minor;
    *total_memory = static_cast<int64_t>(prop.totalGlobalMem);
    return cudaSuccess;
}

int lamina_cuda_set_device(int device) {
    return checked(cudaSetDevice(device));
}

int lamina_cuda_mem_info(int64_t* free_bytes, int64_t* total_bytes) {
    size_t f = 0, t = 0;
    cudaError_t e = cudaMemGetInfo(&f, &t);
    *free_bytes = static_cast<int64_t>(f);
    *total_bytes = static_cast<int64_t>(t);
    return checked(e);
}

int lamina_cuda_synchronize(void) {
    return checked(cudaDeviceSynchronize());
}

// ---- streams and events ------------------------------------------------------------------------

int lamina_cuda_stream_create(void** stream) {
    *stream = nullptr;
    cudaStream_t s = nullptr;
    // Non-blocking: the backend's stream does not wait for (or hold up) the legacy default stream,
    // which only other libraries in the process (cuBLAS in the benchmark) would use.
    cudaError_t e = cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
    if (e == cudaSuccess) {
        *stream = static_cast<void*>(s);
    }
    return checked(e);
}

int lamina_cuda_stream_destroy(void* stream) {
    return checked(cudaStreamDestroy(static_cast<cudaStream_t>(stream)));
}

int lamina_cuda_stream_synchronize(void* stream) {
    return checked(cudaStreamSynchronize(static_cast<cudaStream_t>(stream)));
}

int lamina_cuda_event_create(void** event) {
    *event = nullptr;
    cudaEvent_t ev = nullptr;
    cudaError_t e = cudaEventCreateWithFlags(&ev, cudaEventDisableTiming);
    if (e == cudaSuccess) {
        *event = static_cast<void*>(ev);
    }
    return checked(e);
}

int lamina_cuda_event_destroy(void* event) {
    return checked(cudaEventDestroy(static_cast<cudaEvent_t>(event)));
}

int lamina_cuda_event_record(void* event, void* stream) {
    return checked(cudaEventRecord(static_cast<cudaEvent_t>(event), static_cast<cudaStream_t>(stream)));
}

int lamina_cuda_event_synchronize(void* event) {
    return checked(cudaEventSynchronize(static_cast<cudaEvent_t>(event)));
}

// ---- memory ------------------------------------------------------------------------------------

int lamina_cuda_malloc(int64_t bytes, void** ptr) {
    *ptr = nullptr;
    return checked(cudaMalloc(ptr, static_cast<size_t>(bytes < 1 ? 1 : bytes)));
}

int lamina_cuda_free(void* ptr) {
    return checked(cudaFree(ptr));
}

int lamina_cuda_malloc_host(int64_t bytes, void** ptr) {
    *ptr = nullptr;
    return checked(cudaMallocHost(ptr, static_cast<size_t>(bytes < 1 ? 1 : bytes)));
}

int lamina_cuda_free_host(void* ptr) {
    return checked(cudaFreeHost(ptr));
}

int lamina_cuda_memcpy_h2d_async(void* dst, const void* src, int64_t bytes, void* stream) {
    return checked(cudaMemcpyAsync(dst, src, static_cast<size_t>(bytes), cudaMemcpyHostToDevice,
                                   static_cast<cudaStream_t>(stream)));
}

int lamina_cuda_memcpy_d2h_async(void* dst, const void* src, int64_t bytes, void* stream) {
    return checked(cudaMemcpyAsync(dst, src, static_cast<size_t>(bytes), cudaMemcpyDeviceToHost,
                                   static_cast<cudaStream_t>(stream)));
}

int lamina_cuda_memset_async(void* ptr, int value, int64_t bytes, void* stream) {
    return checked(cudaMemsetAsync(ptr, value, static_cast<size_t>(bytes), static_cast<cudaStream_t>(stream)));
}

}  // extern "C"
