// A host emulation of the small part of CUDA the kernels use, for testing them on machines
// without a GPU (cargo feature `cuda-emu`; compiled by the host C++ compiler with
// MXTS_CUDA_EMU defined). Device memory is host memory; a launch runs every block in turn
// on the calling thread. Kernels without __syncthreads() run thread by thread
// (MXC_LAUNCH); kernels with it (MXC_LAUNCH_SYNC) run each block's threads as fibers that
// switch at every __syncthreads(), which is exactly a barrier's semantics. Shared memory
// is one static per host thread, which is what a block's threads share. Launches are
// serialised by a lock, so work from several host threads never interleaves.
// What this cannot show: speed, real concurrency bugs, device limits. The real build
// (nvcc) compiles the same sources.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <functional>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static thread_local

struct uint3 {
  unsigned x, y, z;
};
struct dim3 {
  unsigned x, y, z;
  dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

extern thread_local uint3 threadIdx;
extern thread_local uint3 blockIdx;
extern thread_local dim3 blockDim;
extern thread_local dim3 gridDim;

/** A barrier for the block's threads (a fiber switch); aborts outside MXC_LAUNCH_SYNC. */
void __syncthreads();

typedef int cudaError_t;
enum : int {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInsufficientDriver = 35,
  cudaErrorNoDevice = 100,
  cudaErrorInvalidDevice = 101,
};
enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4,
};

cudaError_t cudaGetDeviceCount(int* n);
cudaError_t cudaSetDevice(int d);
cudaError_t cudaGetDevice(int* d);
cudaError_t cudaMalloc(void** p, size_t bytes);
cudaError_t cudaFree(void* p);
cudaError_t cudaMemGetInfo(size_t* free, size_t* total);
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind);
cudaError_t cudaMemcpyPeer(void* dst, int dstDev, const void* src, int srcDev, size_t bytes);
cudaError_t cudaMemset(void* p, int value, size_t bytes);
cudaError_t cudaDeviceSynchronize();
cudaError_t cudaGetLastError();
const char* cudaGetErrorString(cudaError_t e);

// Atomics: launches run one thread at a time, so a plain read-modify-write is atomic.
inline float atomicAdd(float* p, float v) { float o = *p; *p = o + v; return o; }
inline double atomicAdd(double* p, double v) { double o = *p; *p = o + v; return o; }
inline int atomicAdd(int* p, int v) { int o = *p; *p = o + v; return o; }
inline unsigned atomicAdd(unsigned* p, unsigned v) { unsigned o = *p; *p = o + v; return o; }

/**
 * Runs `body` once per thread of every block of the grid (see the file comment). A grid
 * or block CUDA would refuse (a zero or too large dimension, more than 1024 threads) runs
 * nothing and leaves cudaErrorInvalidConfiguration for cudaGetLastError, as a launch does.
 */
void emu_launch(dim3 grid, dim3 block, bool fibers, const std::function<void()>& body);

#define MXC_LAUNCH(kernel, grid, block, ...)                                  \
  emu_launch(dim3(grid), dim3(block), false, [=]() { kernel(__VA_ARGS__); })
#define MXC_LAUNCH_SYNC(kernel, grid, block, ...)                             \
  emu_launch(dim3(grid), dim3(block), true, [=]() { kernel(__VA_ARGS__); })
