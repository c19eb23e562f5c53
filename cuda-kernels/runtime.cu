// The CUDA runtime surface of the cuda backend: probe, memory, errors (see native/lamina_cuda.h).
// Compiled by nvcc with the static CUDA runtime; without a driver every call returns an error
// code (cudaErrorInsufficientDriver, cudaErrorNoDevice, ...) instead of failing.
#include <cuda_runtime.h>
#include <stdint.h>
#include <string.h>

#include "lamina_cuda.h"

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
        return static_cast<int>(e);
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
    return static_cast<int>(cudaSetDevice(device));
}

int lamina_cuda_mem_info(int64_t* free_bytes, int64_t* total_bytes) {
    size_t f = 0, t = 0;
    cudaError_t e = cudaMemGetInfo(&f, &t);
    *free_bytes = static_cast<int64_t>(f);
    *total_bytes = static_cast<int64_t>(t);
    return static_cast<int>(e);
}

int lamina_cuda_synchronize(void) {
    return static_cast<int>(cudaDeviceSynchronize());
}

int lamina_cuda_malloc(int64_t bytes, void** ptr) {
    *ptr = nullptr;
    return static_cast<int>(cudaMalloc(ptr, static_cast<size_t>(bytes < 1 ? 1 : bytes)));
}

int lamina_cuda_free(void* ptr) {
    return static_cast<int>(cudaFree(ptr));
}

int lamina_cuda_memcpy_h2d(void* dst, const void* src, int64_t bytes) {
    return static_cast<int>(cudaMemcpy(dst, src, static_cast<size_t>(bytes), cudaMemcpyHostToDevice));
}

int lamina_cuda_memcpy_d2h(void* dst, const void* src, int64_t bytes) {
    return static_cast<int>(cudaMemcpy(dst, src, static_cast<size_t>(bytes), cudaMemcpyDeviceToHost));
}

int lamina_cuda_memset(void* ptr, int value, int64_t bytes) {
    // Asynchronous on the legacy default stream, where every other call of the backend runs,
    // so later kernels and copies see the zeros.
    return static_cast<int>(cudaMemset(ptr, value, static_cast<size_t>(bytes)));
}

}  // extern "C"
