// CUDA kernels of the native library, built by build.rs with nvcc when the `cuda` cargo
// feature is on. C ABI only: every function returns a cudaError_t (0 = success) and
// the Rust side (src/cuda.rs) turns failures into error messages.
#include <cuda_runtime.h>
#include <stddef.h>

extern "C" int mxc_device_count(int* n) {
  cudaError_t e = cudaGetDeviceCount(n);
  // No driver or no device is "zero devices", not a failure: gpu() then falls through.
  if (e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver) {
    *n = 0;
    cudaGetLastError();
    return 0;
  }
  return (int)e;
}

extern "C" const char* mxc_error_string(int e) { return cudaGetErrorString((cudaError_t)e); }

extern "C" int mxc_malloc(void** p, size_t bytes) { return (int)cudaMalloc(p, bytes); }

extern "C" int mxc_free(void* p) { return (int)cudaFree(p); }

extern "C" int mxc_copy(void* dst, const void* src, size_t bytes, int to_device) {
  return (int)cudaMemcpy(dst, src, bytes, to_device ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost);
}

__global__ void add_f32(const float* a, const float* b, float* out, size_t n) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x) {
    out[i] = a[i] + b[i];
  }
}

extern "C" int mxc_add_f32(const float* a, const float* b, float* out, size_t n) {
  if (n == 0) return 0;
  // Grid-stride loop: the grid stays under the 65535-block limit of older devices' y/z and
  // is plenty to fill any device in x.
  size_t blocks = (n + 255) / 256;
  add_f32<<<(unsigned)(blocks < 65535 ? blocks : 65535), 256>>>(a, b, out, n);
  cudaError_t e = cudaGetLastError();
  return (int)(e != cudaSuccess ? e : cudaDeviceSynchronize());
}

#define TILE 16

// C[m,n] = A[m,k] * B[k,n], row-major, shared-memory tiles (no cuBLAS in this toolkit).
__global__ void sgemm_tiled(int m, int n, int k, const float* a, const float* b, float* c) {
  __shared__ float as[TILE][TILE];
  __shared__ float bs[TILE][TILE];
  int row = blockIdx.y * TILE + threadIdx.y, col = blockIdx.x * TILE + threadIdx.x;
  float acc = 0.0f;
  for (int t = 0; t < k; t += TILE) {
    as[threadIdx.y][threadIdx.x] = row < m && t + threadIdx.x < k ? a[row * k + t + threadIdx.x] : 0.0f;
    bs[threadIdx.y][threadIdx.x] = col < n && t + threadIdx.y < k ? b[(t + threadIdx.y) * n + col] : 0.0f;
    __syncthreads();
    for (int i = 0; i < TILE; i++) acc += as[threadIdx.y][i] * bs[i][threadIdx.x];
    __syncthreads();
  }
  if (row < m && col < n) c[row * n + col] = acc;
}

extern "C" int mxc_sgemm(int m, int n, int k, const float* a, const float* b, float* c) {
  if (m == 0 || n == 0) return 0;
  dim3 block(TILE, TILE), grid((n + TILE - 1) / TILE, (m + TILE - 1) / TILE);
  sgemm_tiled<<<grid, block>>>(m, n, k, a, b, c);
  cudaError_t e = cudaGetLastError();
  return (int)(e != cudaSuccess ? e : cudaDeviceSynchronize());
}
