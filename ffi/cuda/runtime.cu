// The CUDA library's C ABI (called from ffi/src/cuda.rs): device count, the table of entry
// points by name, and one dispatcher that selects the device, decodes nothing itself and
// turns every failure into a message. Memory entries live here; kernels in the other
// .cu files.
#include <string.h>

#include "mxc.h"

namespace {

/**
 * Decodes `bytes, result address (host f64)`: allocates and stores the device address. A
 * failure says how much the device has free (cudaMemGetInfo), beside what was asked.
 */
void cuda_alloc(Meta& m) {
  long long bytes = m.usize();
  double* result = (double*)m.ptr();
  void* p = nullptr;
  cudaError_t e = cudaMalloc(&p, bytes > 0 ? (size_t)bytes : 1);
  if (e != cudaSuccess) {
    cudaGetLastError();  // an allocation failure is not sticky; clear it for later calls
    size_t free_b = 0, total_b = 0;
    std::string have = cudaMemGetInfo(&free_b, &total_b) == cudaSuccess
                           ? "; the device has " + std::to_string(free_b) + " bytes free of " +
                                 std::to_string(total_b)
                           : "";
    mxc_fail("cudaMalloc: CUDA error " + std::to_string((int)e) + " (" +
             cudaGetErrorString(e) + ")" + have);
  }
  *result = (double)(uintptr_t)p;
}

/** Decodes `device address`. */
void cuda_free(Meta& m) { mxc_check(cudaFree(m.ptr()), "cudaFree"); }

/**
 * Decodes `dst, dstDevice, dstBytes, src, srcDevice, srcBytes`: a device-to-device copy of
 * srcBytes (equal to dstBytes, which ffi/src/cuda.rs checks), within a device or between
 * two (cudaMemcpyPeer needs no peer access to be enabled).
 */
void cuda_copy_device(Meta& m) {
  void* dst = m.ptr();
  int dst_dev = (int)m.usize();
  m.usize();  // dstBytes
  void* src = m.ptr();
  int src_dev = (int)m.usize();
  long long bytes = m.usize();
  if (bytes == 0) return;
  if (dst_dev == src_dev) {
    mxc_check(cudaMemcpy(dst, src, (size_t)bytes, cudaMemcpyDeviceToDevice), "cudaMemcpy");
  } else {
    mxc_check(cudaMemcpyPeer(dst, dst_dev, src, src_dev, (size_t)bytes), "cudaMemcpyPeer");
  }
}

/** Decodes nothing: waits for the device's queued work (used before timing). */
void cuda_sync(Meta&) { mxc_check(cudaDeviceSynchronize(), "cudaDeviceSynchronize"); }

struct Entry {
  const char* name;
  MxcKernel fn;
};

// Kernel entries carry the native library's symbol names, so the TS side sends a CUDA
// call the very block it would send the native one.
const Entry TABLE[] = {
    {"cuda_alloc", cuda_alloc},
    {"cuda_free", cuda_free},
    {"cuda_copy_device", cuda_copy_device},
    {"cuda_sync", cuda_sync},
    {"mx_elementwise", mxc_elementwise},
    {"mx_arange", mxc_arange},
    {"mx_reduce", mxc_reduce},
    {"mx_matmul", mxc_matmul},
    {"mx_take", mxc_take},
    {"mx_take_backward", mxc_take_backward},
    {"mx_sort", mxc_sort},
    {"mx_random", mxc_random},
    {"mx_im2col", mxc_im2col},
    {"mx_col2im", mxc_col2im},
    {"mx_pool", mxc_pool},
    {"mx_pool_backward", mxc_pool_backward},
    {"mx_conv2d", mxc_conv2d},
    {"mx_conv2d_backward_data", mxc_conv2d_backward_data},
    {"mx_conv2d_backward_weight", mxc_conv2d_backward_weight},
};
constexpr int TABLE_SIZE = sizeof(TABLE) / sizeof(TABLE[0]);

int copy_out(const std::string& s, char* out, int cap) {
  if (cap < (int)s.size()) return -1;
  memcpy(out, s.data(), s.size());
  return (int)s.size();
}

/** Runs `f`, returning 0, or 1 with the message in `err`. */
template <class F>
int guarded(char* err, int cap, F f) {
  std::string msg;
  try {
    f();
    return 0;
  } catch (const std::exception& e) {
    msg = e.what();
  } catch (...) {
    msg = "unknown C++ exception";
  }
  if (cap > 0) {
    int n = (int)msg.size() < cap - 1 ? (int)msg.size() : cap - 1;
    memcpy(err, msg.data(), n);
    err[n] = 0;
  }
  return 1;
}

}  // namespace

/** Devices (0 without a device or a driver, which is not an error: gpu falls through). */
extern "C" int mxc_device_count(int* n, char* err, int cap) {
  return guarded(err, cap, [&] {
    cudaError_t e = cudaGetDeviceCount(n);
    if (e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver) {
      *n = 0;
      cudaGetLastError();  // clears the sticky "no device" state
      return;
    }
    mxc_check(e, "cudaGetDeviceCount");
  });
}

/** "cuda" for the real build, "emulated" for the host emulation. */
extern "C" int mxc_build(char* out, int cap) {
#ifdef MXTS_CUDA_EMU
  return copy_out("emulated", out, cap);
#else
  return copy_out("cuda", out, cap);
#endif
}

/** The entry names, comma-separated, in id order. */
extern "C" int mxc_ops(char* out, int cap) {
  std::string s;
  for (int i = 0; i < TABLE_SIZE; i++) s += (i ? "," : "") + std::string(TABLE[i].name);
  return copy_out(s, out, cap);
}

/** Runs entry `op` on device `device` with argument block `meta`. */
extern "C" int mxc_call(int op, int device, const double* meta, char* err, int cap) {
  return guarded(err, cap, [&] {
    if (op < 0 || op >= TABLE_SIZE) mxc_fail("unknown CUDA entry id " + std::to_string(op));
    mxc_check(cudaSetDevice(device), "selecting the device");
    Meta m(meta);
    TABLE[op].fn(m);
  });
}

/** Host -> device copy of `bytes` (synchronous: the host memory may be reused after). */
extern "C" int mxc_upload(int device, void* dst, const void* src, size_t bytes, char* err,
                          int cap) {
  return guarded(err, cap, [&] {
    mxc_check(cudaSetDevice(device), "selecting the device");
    if (bytes) mxc_check(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice), "upload");
  });
}

/** Device -> host copy; waits for the kernels queued before it on the device. */
extern "C" int mxc_download(int device, void* dst, const void* src, size_t bytes, char* err,
                            int cap) {
  return guarded(err, cap, [&] {
    mxc_check(cudaSetDevice(device), "selecting the device");
    if (bytes) mxc_check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost), "download");
  });
}
