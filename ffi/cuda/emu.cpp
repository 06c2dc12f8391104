// The emulated CUDA runtime declared in emu.h (built only with MXTS_CUDA_EMU).
#include "emu.h"

#include <stdio.h>
#include <unistd.h>
#include <ucontext.h>

#include <mutex>
#include <vector>

thread_local uint3 threadIdx;
thread_local uint3 blockIdx;
thread_local dim3 blockDim;
thread_local dim3 gridDim;

namespace {

std::recursive_mutex launch_lock;
thread_local int current_device = 0;
thread_local cudaError_t last_error = cudaSuccess;

/** CUDA's launch limits (compute capability 3.0 and later). */
bool valid_launch(dim3 grid, dim3 block) {
  unsigned long long threads = (unsigned long long)block.x * block.y * block.z;
  return grid.x >= 1 && grid.y >= 1 && grid.z >= 1 && grid.x <= 2147483647u &&
         grid.y <= 65535 && grid.z <= 65535 && block.x >= 1 && block.y >= 1 && block.z >= 1 &&
         block.x <= 1024 && block.y <= 1024 && block.z <= 64 && threads <= 1024;
}

/** One emulated thread of a block run as a fiber. */
struct Fiber {
  ucontext_t ctx;
  std::vector<char> stack;
  uint3 idx;
  bool done;
};

thread_local ucontext_t scheduler;
thread_local Fiber* running = nullptr;
thread_local const std::function<void()>* fiber_body = nullptr;
thread_local std::vector<Fiber>* fibers = nullptr;

void fiber_main() {
  (*fiber_body)();
  running->done = true;
  // Returning resumes uc_link, the scheduler.
}

uint3 index_of(unsigned t, dim3 b) { return {t % b.x, (t / b.x) % b.y, t / (b.x * b.y)}; }

void run_block_fibers(dim3 block, const std::function<void()>& body) {
  unsigned n = block.x * block.y * block.z;
  static thread_local std::vector<Fiber> pool;
  if (pool.size() < n) pool.resize(n);
  fibers = &pool;
  fiber_body = &body;
  for (unsigned t = 0; t < n; t++) {
    Fiber& f = pool[t];
    if (f.stack.empty()) f.stack.resize(256 * 1024);
    getcontext(&f.ctx);
    f.ctx.uc_stack.ss_sp = f.stack.data();
    f.ctx.uc_stack.ss_size = f.stack.size();
    f.ctx.uc_link = &scheduler;
    makecontext(&f.ctx, fiber_main, 0);
    f.idx = index_of(t, block);
    f.done = false;
  }
  // Round robin: each round runs every live thread up to its next barrier (or its end).
  for (bool live = true; live;) {
    live = false;
    for (unsigned t = 0; t < n; t++) {
      Fiber& f = pool[t];
      if (f.done) continue;
      running = &f;
      threadIdx = f.idx;
      swapcontext(&scheduler, &f.ctx);
      live = live || !f.done;
    }
  }
  running = nullptr;
}

}  // namespace

void __syncthreads() {
  if (!running) {
    fprintf(stderr, "mxts cuda-emu: __syncthreads() in a kernel launched with MXC_LAUNCH; "
                    "use MXC_LAUNCH_SYNC\n");
    abort();
  }
  Fiber* self = running;
  swapcontext(&self->ctx, &scheduler);
}

void emu_launch(dim3 grid, dim3 block, bool use_fibers, const std::function<void()>& body) {
  if (!valid_launch(grid, block)) {
    last_error = cudaErrorInvalidConfiguration;
    return;
  }
  std::lock_guard<std::recursive_mutex> hold(launch_lock);
  gridDim = grid;
  blockDim = block;
  for (unsigned bz = 0; bz < grid.z; bz++) {
    for (unsigned by = 0; by < grid.y; by++) {
      for (unsigned bx = 0; bx < grid.x; bx++) {
        blockIdx = {bx, by, bz};
        if (use_fibers) {
          run_block_fibers(block, body);
          continue;
        }
        unsigned n = block.x * block.y * block.z;
        for (unsigned t = 0; t < n; t++) {
          threadIdx = index_of(t, block);
          body();
        }
      }
    }
  }
}

cudaError_t cudaGetDeviceCount(int* n) {
  // MXTS_CUDA_EMU_DEVICES emulated devices (default 2, so multi-device paths are tested).
  const char* s = getenv("MXTS_CUDA_EMU_DEVICES");
  *n = s ? atoi(s) : 2;
  return *n > 0 ? cudaSuccess : cudaErrorNoDevice;
}

cudaError_t cudaSetDevice(int d) {
  int n = 0;
  cudaGetDeviceCount(&n);
  if (d < 0 || d >= n) return cudaErrorInvalidDevice;
  current_device = d;
  return cudaSuccess;
}

cudaError_t cudaGetDevice(int* d) {
  *d = current_device;
  return cudaSuccess;
}

cudaError_t cudaMalloc(void** p, size_t bytes) {
  // 256-byte aligned like cudaMalloc.
  *p = aligned_alloc(256, (bytes + 255) / 256 * 256);
  return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}

cudaError_t cudaFree(void* p) {
  free(p);
  return cudaSuccess;
}

cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes) {
  // The emulated device's memory is the host's.
  long page = sysconf(_SC_PAGESIZE);
  *free_bytes = (size_t)sysconf(_SC_AVPHYS_PAGES) * (size_t)page;
  *total_bytes = (size_t)sysconf(_SC_PHYS_PAGES) * (size_t)page;
  return cudaSuccess;
}

cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind) {
  std::lock_guard<std::recursive_mutex> hold(launch_lock);
  if (bytes) memmove(dst, src, bytes);
  return cudaSuccess;
}

cudaError_t cudaMemcpyPeer(void* dst, int, const void* src, int, size_t bytes) {
  return cudaMemcpy(dst, src, bytes, cudaMemcpyDefault);
}

cudaError_t cudaMemset(void* p, int value, size_t bytes) {
  std::lock_guard<std::recursive_mutex> hold(launch_lock);
  memset(p, value, bytes);
  return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
cudaError_t cudaGetLastError() {
  cudaError_t e = last_error;
  last_error = cudaSuccess;
  return e;
}

const char* cudaGetErrorString(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    default: return "unknown error";
  }
}
