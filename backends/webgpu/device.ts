/**
 * One logical GPUDevice per `gpu(i)`: lazily requested, with its buffer pool, readback
 * staging pool, pipeline cache and the one place where work is submitted (inside error
 * scopes, so a validation error becomes an MXNetError instead of a silent wrong result).
 * @module
 */
import { MXNetError, UnsupportedError } from "../../src/core/errors.ts";
import type { AdapterProbe } from "./adapter.ts";
import { deviceItemSize, type GpuDType } from "./wgsl.ts";

const STORAGE_USAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST
const STAGING_USAGE = 0x1 | 0x8; // MAP_READ | COPY_DST
const UPLOAD_USAGE = 0x2 | 0x4; // MAP_WRITE | COPY_SRC
// Freed buffers are kept for reuse up to this many bytes per device; creating a buffer
// costs far more than an elementwise op on small arrays.
const POOL_MAX_BYTES = 256 * 1024 * 1024;
// Kernels per submission at most, which also bounds the params buffers held by a batch.
const MAX_BATCH = 64;
// Cached bind groups per device at most (the cache is simply dropped when full).
const MAX_BIND_GROUPS = 4096;
// Bytes of one params slot; every kernel's params fit (larger ones use pooled buffers).
const PARAMS_SLOT = 256;

interface Pipeline {
  pipe: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

/**
 * Byte size class of a request: powers of two split in quarters (at most 25% waste),
 * 256 bytes minimum so tiny buffers share one class.
 */
export function bucketBytes(bytes: number): number {
  if (bytes <= 256) return 256;
  const p = 2 ** Math.floor(Math.log2(bytes));
  const q = p / 4;
  return Math.ceil(bytes / q) * q;
}

/** A webgpu DeviceBuffer. `gpu` is null only while the device is still being requested. */
export class GpuBuffer {
  /** The device memory: a pooled buffer of bucketBytes(bytes) bytes. */
  gpu: GPUBuffer | null = null;
  /** Host values written before the device existed, uploaded when it appears. */
  pending: ArrayBufferView<ArrayBuffer> | null = null;
  /** Set by free(): use afterwards is a bug caught loudly. */
  freed = false;
  /** Set when the submission that last wrote this buffer failed; reads throw it. */
  failed: Error | null = null;
  /** Bytes the elements occupy, rounded up to 4 (WebGPU copies and bindings need it). */
  readonly bytes: number;
  /** Creates the handle; device memory is attached by GpuDevice. */
  constructor(
    readonly dtype: GpuDType,
    readonly size: number,
    readonly deviceId: number,
  ) {
    this.bytes = Math.max(4, Math.ceil((size * deviceItemSize(dtype)) / 4) * 4);
  }
}

/** One pass of a kernel: a pipeline, its buffers (bindings 0..n-1, in order), a params
 * block (last binding) and the workgroup count. */
export interface Pass {
  /** Cache key of the shader (any string unique to its code). */
  key: string;
  /** Builds the WGSL code (called once per key and device). */
  code: () => string;
  /** Storage buffers, bound at 0..n-1. */
  buffers: readonly GPUBuffer[];
  /** Params (u32 words) bound after the buffers as read-only storage. */
  params: Uint32Array<ArrayBuffer>;
  /** Workgroups along x, y, z (x may exceed the per-dimension limit: it is folded into y). */
  groups: readonly [number, number?, number?];
}

/** A logical device on the adapter. */
export class GpuDevice {
  /** The device, once requested. */
  device: GPUDevice | null = null;
  /** Resolves when `device` is set (rejects with the request failure). */
  readonly ready: Promise<GPUDevice>;
  /** Live buffers and bytes. */
  liveCount = 0;
  liveBytes = 0;
  pooledBytes = 0;
  readonly #pool = new Map<number, GPUBuffer[]>();
  readonly #staging = new Map<number, GPUBuffer[]>();
  readonly #pipelines = new Map<string, Pipeline>();
  /** The open command encoder and what it holds, not yet submitted. */
  #enc: GPUCommandEncoder | null = null;
  #batch: { kernel: string; outputs: readonly GpuBuffer[] }[] = [];
  /** Buffers to pool, and upload buffers to destroy, once the open batch is submitted. */
  #release: GPUBuffer[] = [];
  #trash: GPUBuffer[] = [];
  #flushed: Promise<void> = Promise.resolve();
  readonly #binds = new Map<string, GPUBindGroup>();
  readonly #params: GPUBuffer[] = [];
  #slot = 0;
  readonly #ids = new WeakMap<GPUBuffer, number>();
  #nextId = 1;
  /** Upper bound of one storage binding, from the adapter's limits. */
  readonly maxBinding: number;
  readonly maxGroups: number;

  constructor(readonly id: number, readonly probe: AdapterProbe) {
    const lim = probe.adapter.limits;
    this.maxBinding = Math.min(lim.maxStorageBufferBindingSize, lim.maxBufferSize);
    this.maxGroups = lim.maxComputeWorkgroupsPerDimension;
    // The default device limits are lower than the adapter's (PERF_NOTES): ask for these.
    const requiredLimits: Record<string, number> = {
      maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
      maxBufferSize: lim.maxBufferSize,
      maxStorageBuffersPerShaderStage: lim.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupStorageSize: lim.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: lim.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: lim.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: lim.maxComputeWorkgroupSizeY,
      maxComputeWorkgroupsPerDimension: lim.maxComputeWorkgroupsPerDimension,
    };
    const requiredFeatures: GPUFeatureName[] = probe.hasF16 ? ["shader-f16"] : [];
    this.ready = probe.adapter.requestDevice({
      label: `mxts gpu(${id})`,
      requiredLimits,
      requiredFeatures,
    }).then((d) => {
      this.device = d;
      return d;
    });
    // The failure is reported where the device is used; don't let it go unhandled here.
    this.ready.catch(() => {});
  }

  /** Runs `fn` now if the device exists, else once it does. */
  when<T>(fn: (d: GPUDevice) => T | Promise<T>): T | Promise<T> {
    return this.device ? fn(this.device) : this.ready.then(fn);
  }

  /** Registers a new buffer handle (memory attached now or when the device appears). */
  alloc(dtype: GpuDType, size: number): GpuBuffer {
    const b = new GpuBuffer(dtype, size, this.id);
    if (b.bytes > this.maxBinding) {
      throw new UnsupportedError(
        `webgpu gpu(${this.id}): an array of ${size} ${dtype} (${b.bytes} bytes) exceeds this ` +
          `adapter's largest storage binding (${this.maxBinding} bytes); split it or use mx.cpu()`,
      );
    }
    this.liveCount++;
    this.liveBytes += bucketBytes(b.bytes);
    if (this.device) b.gpu = this.#take(this.device, b.bytes);
    return b;
  }

  /** Device memory of `b`, attaching it (and uploading early writes) if needed. */
  mem(b: GpuBuffer): GPUBuffer {
    if (b.freed) throw new MXNetError("webgpu: buffer used after it was freed");
    if (!b.gpu) {
      const d = this.device!;
      b.gpu = this.#take(d, b.bytes);
      // Fresh from the pool, so no unsubmitted command uses it: a queued write is safe.
      if (b.pending) d.queue.writeBuffer(b.gpu, 0, b.pending);
      b.pending = null;
    }
    return b.gpu;
  }

  /** Returns `b`'s memory to the pool once no unsubmitted command can still use it. */
  free(b: GpuBuffer): void {
    if (b.freed) throw new MXNetError("webgpu: buffer freed twice");
    b.freed = true;
    this.liveCount--;
    this.liveBytes -= bucketBytes(b.bytes);
    b.pending = null;
    if (!b.gpu) return;
    // Pooled buffers receive queued writes (params), which run before unsubmitted work:
    // only hand this one out again after the commands recorded so far are submitted.
    this.#release.push(b.gpu);
    b.gpu = null;
  }

  #take(d: GPUDevice, bytes: number): GPUBuffer {
    const size = bucketBytes(bytes);
    const g = this.#pool.get(size)?.pop();
    if (g) {
      this.pooledBytes -= size;
      return g;
    }
    return d.createBuffer({ size, usage: STORAGE_USAGE });
  }

  /**
   * Copies host bytes into `b`, in stream order: through a mapped upload buffer and a copy
   * recorded after everything encoded so far (a queue write would overtake unsubmitted
   * commands that still read `b`'s old contents).
   */
  write(b: GpuBuffer, bytes: ArrayBufferView<ArrayBuffer>): void {
    if (b.freed) throw new MXNetError("webgpu: write to a freed buffer");
    const d = this.device;
    if (!d) {
      // Kept until the device exists: a copy, as the caller may reuse its array.
      b.pending = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice();
      return;
    }
    const n = bytes.byteLength;
    const upload = d.createBuffer({ size: n, usage: UPLOAD_USAGE, mappedAtCreation: true });
    new Uint8Array(upload.getMappedRange()).set(
      new Uint8Array(bytes.buffer, bytes.byteOffset, n),
    );
    upload.unmap();
    this.#encoder(d).copyBufferToBuffer(upload, 0, this.mem(b), 0, n);
    this.#batch.push({ kernel: "write", outputs: [b] });
    b.failed = null;
    this.#trash.push(upload);
  }

  /**
   * Reads `b`: records a copy into a staging buffer, submits, maps, copies out, unmaps
   * and pools the staging buffer before the promise settles (no mapAsync is ever left
   * pending). When the submission that last wrote `b` failed, that failure is thrown.
   */
  read(b: GpuBuffer): Promise<ArrayBuffer> {
    return Promise.resolve(this.when((d) => this.#read(d, b))).then((x) => x);
  }

  async #read(d: GPUDevice, b: GpuBuffer): Promise<ArrayBuffer> {
    const size = bucketBytes(b.bytes);
    const staging = this.#staging.get(size)?.pop() ??
      d.createBuffer({ size, usage: STAGING_USAGE });
    const src = this.mem(b);
    this.#encoder(d).copyBufferToBuffer(src, 0, staging, 0, b.bytes);
    const submitted = this.flush();
    let out: ArrayBuffer;
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, b.bytes);
      out = staging.getMappedRange(0, b.bytes).slice(0);
      staging.unmap();
    } catch (e) {
      staging.destroy();
      await submitted;
      throw b.failed ??
        new MXNetError(`webgpu gpu(${this.id}): readback failed: ${(e as Error)?.message ?? e}`);
    }
    let list = this.#staging.get(size);
    if (!list) this.#staging.set(size, list = []);
    if (list.length < 4) list.push(staging);
    else staging.destroy();
    await submitted;
    if (b.failed) throw b.failed;
    return out;
  }

  #pipeline(d: GPUDevice, key: string, code: () => string): Pipeline {
    let p = this.#pipelines.get(key);
    if (!p) {
      const module = d.createShaderModule({ code: code(), label: key });
      const pipe = d.createComputePipeline({
        layout: "auto",
        compute: { module, entryPoint: "main" },
      });
      // getBindGroupLayout creates a new object per call: fetch it once.
      p = { pipe, layout: pipe.getBindGroupLayout(0) };
      this.#pipelines.set(key, p);
    }
    return p;
  }

  /**
   * A bind group for `buffers` (bindings 0..n-1), cached by pipeline and buffer identity:
   * creating one costs about as much as the rest of a small dispatch, and pooled buffers
   * recur from step to step of a loop. The cache is dropped whenever a buffer is destroyed.
   */
  #bindGroup(
    d: GPUDevice,
    key: string,
    layout: GPUBindGroupLayout,
    buffers: readonly GPUBuffer[],
  ): GPUBindGroup {
    let k = key;
    for (const b of buffers) {
      let id = this.#ids.get(b);
      if (id === undefined) this.#ids.set(b, id = this.#nextId++);
      k += "|" + id;
    }
    let bind = this.#binds.get(k);
    if (!bind) {
      if (this.#binds.size >= MAX_BIND_GROUPS) this.#binds.clear();
      const entries = buffers.map((buffer, i) => ({ binding: i, resource: { buffer } }));
      bind = d.createBindGroup({ layout, entries });
      this.#binds.set(k, bind);
    }
    return bind;
  }

  /**
   * The params buffer of the batch's next pass: slot k of a ring, so that a loop's k-th
   * kernel gets the same buffer every time and its bind group is found in the cache.
   * Slots are reused only by the next batch, whose queued writes follow this submission.
   */
  #paramsBuffer(d: GPUDevice, bytes: number): GPUBuffer {
    if (bytes > PARAMS_SLOT) {
      const g = this.#take(d, bytes);
      this.#release.push(g);
      return g;
    }
    return (this.#params[this.#slot++] ??= d.createBuffer({
      size: PARAMS_SLOT,
      usage: STORAGE_USAGE,
    }));
  }

  #destroy(g: GPUBuffer): void {
    g.destroy();
    this.#binds.clear();
  }

  #encoder(d: GPUDevice): GPUCommandEncoder {
    return (this.#enc ??= d.createCommandEncoder());
  }

  /**
   * Encodes `passes` into the device's open command encoder inside a validation error
   * scope; the returned promise rejects with an MXNetError naming `kernel` when WebGPU
   * rejected it (the engine adds the operator's name). Work is submitted in batches (a
   * submit, and a command buffer, cost more than an elementwise op on small arrays): at a
   * read, or every MAX_BATCH kernels. An invalid command voids its whole batch: every
   * output written in that batch then throws the failure when read, never stale data.
   */
  submit(kernel: string, passes: readonly Pass[], outputs: readonly GpuBuffer[]): Promise<void> {
    const d = this.device!;
    d.pushErrorScope("validation");
    const enc = this.#encoder(d);
    for (const p of passes) {
      const { pipe, layout } = this.#pipeline(d, p.key, p.code);
      const pbuf = this.#paramsBuffer(d, p.params.byteLength);
      d.queue.writeBuffer(pbuf, 0, p.params);
      const bind = this.#bindGroup(d, p.key, layout, [...p.buffers, pbuf]);
      const pass = enc.beginComputePass();
      pass.setPipeline(pipe);
      pass.setBindGroup(0, bind);
      const [x, y = 1, z = 1] = p.groups;
      const [gx, gy] = this.fold(x, y);
      pass.dispatchWorkgroups(gx, gy, z);
      pass.end();
    }
    const check = d.popErrorScope();
    for (const o of outputs) o.failed = null;
    this.#batch.push({ kernel, outputs });
    if (this.#batch.length >= MAX_BATCH) this.flush();
    return check.then((err) => {
      if (err) throw new MXNetError(`webgpu ${kernel} on gpu(${this.id}): ${err.message}`);
    });
  }

  /**
   * Submits the open batch. The promise settles once its error scopes are known; on a
   * failure the batch's outputs are marked so that reading them throws it.
   */
  flush(): Promise<void> {
    const d = this.device;
    if (!d) return this.#flushed;
    const enc = this.#enc, batch = this.#batch;
    this.#enc = null;
    this.#batch = [];
    let checked: Promise<void> = Promise.resolve();
    if (enc) {
      d.pushErrorScope("validation");
      d.pushErrorScope("out-of-memory");
      d.queue.submit([enc.finish()]);
      const oom = d.popErrorScope(), validation = d.popErrorScope();
      checked = Promise.all([validation, oom]).then(([v, o]) => {
        const err = v ?? o;
        if (!err) return;
        const kernels = [...new Set(batch.map((c) => c.kernel))].join(", ");
        const e = new MXNetError(
          `webgpu gpu(${this.id}): a submission with [${kernels}] failed: ${err.message}`,
        );
        for (const c of batch) for (const o of c.outputs) o.failed = e;
      });
    }
    // Submitted (or never recorded): queue order now protects these buffers.
    this.#slot = 0;
    for (const g of this.#release) this.#recycle(g);
    for (const g of this.#trash) g.destroy();
    this.#release = [];
    this.#trash = [];
    return (this.#flushed = checked);
  }

  #recycle(g: GPUBuffer): void {
    if (this.pooledBytes + g.size > POOL_MAX_BYTES) {
      this.#destroy(g);
      return;
    }
    let list = this.#pool.get(g.size);
    if (!list) this.#pool.set(g.size, list = []);
    list.push(g);
    this.pooledBytes += g.size;
  }

  /** Splits `x` workgroups over x and y when it passes the per-dimension limit. */
  fold(x: number, y: number): [number, number] {
    if (x <= this.maxGroups) return [x, y];
    if (y !== 1) {
      throw new MXNetError(`webgpu: ${x} x ${y} workgroups exceed the per-dimension limit`);
    }
    const gy = Math.ceil(x / this.maxGroups);
    return [Math.ceil(x / gy), gy];
  }

  /** Releases every pooled buffer (live ones stay). */
  trim(): void {
    this.flush();
    for (const list of [...this.#pool.values(), ...this.#staging.values()]) {
      for (const g of list) this.#destroy(g);
    }
    this.#pool.clear();
    this.#staging.clear();
    this.pooledBytes = 0;
  }
}
