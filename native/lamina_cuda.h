/*
 * lamina_cuda.h: the JNI surface of the cuda backend (included by
 * dev.lamina.backend.cuda.CudaNative through JavaCPP).
 *
 * Every function returns the cudaError_t code of the CUDA call it wraps (0 = cudaSuccess) and
 * writes its results through out-parameters. Device memory is passed as raw addresses (void*).
 * The functions are implemented in cuda-kernels/ and compiled by nvcc into
 * target/cuda/liblamina_cuda_kernels.a; the CUDA runtime is linked statically, so only the driver
 * (libcuda.so.1, opened by the runtime with dlopen) is needed at run time. Without a driver or
 * device the probe returns an error code (cudaErrorInsufficientDriver, cudaErrorNoDevice, ...)
 * instead of failing.
 *
 * Callers (Java) validate sizes and pointers first: nothing here checks bounds.
 */
#ifndef LAMINA_CUDA_H
#define LAMINA_CUDA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ---------------------------------------------------------------------------- */

/** The name of a cudaError_t code, e.g. "cudaErrorNoDevice" (never NULL). */
const char* lamina_cuda_error_name(int code);

/** The description of a cudaError_t code (never NULL). */
const char* lamina_cuda_error_string(int code);

/** cudaGetLastError: returns and clears the last error of this thread. */
int lamina_cuda_get_last_error(void);

/* ---- probe ----------------------------------------------------------------------------- */

/** CUDA runtime version linked in (e.g. 13000); never fails. */
int lamina_cuda_runtime_version(int* version);

/** Version of the installed driver, or 0 when none is installed. */
int lamina_cuda_driver_version(int* version);

/** Number of devices; an error code without driver or device. */
int lamina_cuda_device_count(int* count);

/**
 * Properties of one device: its name (NUL-terminated, at most name_len bytes with the NUL),
 * compute capability and total global memory in bytes.
 */
int lamina_cuda_device_info(int device, char* name, int name_len,
                            int* major, int* minor, int64_t* total_memory);

/** cudaSetDevice. */
int lamina_cuda_set_device(int device);

/** cudaMemGetInfo of the current device. */
int lamina_cuda_mem_info(int64_t* free_bytes, int64_t* total_bytes);

/** cudaDeviceSynchronize. */
int lamina_cuda_synchronize(void);

/* ---- memory ---------------------------------------------------------------------------- */

/** cudaMalloc of bytes (at least 1) into *ptr (the device address). */
int lamina_cuda_malloc(int64_t bytes, void** ptr);

/** cudaFree. */
int lamina_cuda_free(void* ptr);

/** cudaMemcpy host to device of bytes (synchronous). */
int lamina_cuda_memcpy_h2d(void* dst, const void* src, int64_t bytes);

/** cudaMemcpy device to host of bytes (synchronous). */
int lamina_cuda_memcpy_d2h(void* dst, const void* src, int64_t bytes);

/** cudaMemset of bytes to the byte value, ordered on the default stream like every other call. */
int lamina_cuda_memset(void* ptr, int value, int64_t bytes);

/* ---- kernels --------------------------------------------------------------------------- */

/**
 * out[i] = a[i] + b[i] for i < n (float32, device pointers), launched on stream (NULL: the
 * default stream). Returns the launch error (cudaGetLastError after the launch); the kernel
 * runs asynchronously, so execution errors surface at the next synchronizing call.
 */
int lamina_cuda_add_f32(const float* a, const float* b, float* out, int64_t n, void* stream);

#ifdef __cplusplus
}
#endif

#endif /* LAMINA_CUDA_H */
