/**
 * One logical GPUDevice per `gpu(i)`: lazily requested, with its buffer pool, readback
 * staging pool, pipeline, layout and bind group caches, and the one place where work is
 * encoded (kernels share one compute pass and one submission per batch; failures become
 * MXNetErrors naming the kernel instead of silent wrong results: see submit()).
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
// Kernels per submission at most.
const MAX_BATCH = 64;
// Params slots per submission (passes past this take pooled buffers of their own).
const PARAMS_SLOTS = 256;
// Cached bind groups per device at most (the cache is simply dropped when full).
const MAX_BIND_GROUPS = 4096;
// Bytes of one params slot (the storage-offset alignment WebGPU guarantees); every
// kernel's params fit in practice (larger ones use pooled buffers).
const PARAMS_SLOT = 256;
const SLOT_WORDS = PARAMS_SLOT / 4;
const COMPUTE = 0x4; // GPUShaderStage.COMPUTE

interface Pipeline {
  pipe: GPUComputePipeline;
  layout: Layout;
  /** Bindings the shader declares read_write (checked against aliasing before dispatch). */
  writable: readonly number[];
}

/** An explicit bind group layout: storage bindings, the last (params) with a dynamic
 * offset. Shared by every pipeline with the same bindings, and so are its bind groups. */
interface Layout {
  sig: string;
  bgl: GPUBindGroupLayout;
  pl: GPUPipelineLayout;
}

const BINDING = /@binding\((\d+)\)\s*var<storage,\s*(read_write|read)>/g;

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
  /** The open compute pass of `#enc`: consecutive kernels share it (a pass per dispatch
   * cost about as much as the dispatch itself on llvmpipe); copies end it. */
  #pass: GPUComputePassEncoder | null = null;
  /** Whether the submit() in progress pushed its validation scope. */
  #scoped = false;
  /** Cache entries created by the submit() in progress (dropped again if it fails). */
  #newPipelines: string[] = [];
  #newBinds: string[] = [];
  #batch: { kernel: string; outputs: readonly GpuBuffer[] }[] = [];
  /**
   * Buffers freed since the open batch began, by size: pooled once it is submitted. Until
   * then they are handed out again only for stream-ordered writes (kernel outputs, copies),
   * never for queue writes, which would run before the batch's earlier commands. Reusing
   * them at once keeps a loop on the same few buffers, so its bind groups are found in
   * the cache.
   */
  readonly #dirty = new Map<number, GPUBuffer[]>();
  /** Upload buffers to destroy once the open batch is submitted. */
  #trash: GPUBuffer[] = [];
  #flushed: Promise<void> = Promise.resolve();
  readonly #binds = new Map<string, GPUBindGroup>();
  readonly #layouts = new Map<string, Layout>();
  /** The params of the open batch: slot k at word k * SLOT_WORDS, written to `#paramsBuf`
   * by one queue write just before the batch is submitted. */
  readonly #paramsHost = new Uint32Array(PARAMS_SLOTS * SLOT_WORDS);
  #paramsBuf: GPUBuffer | null = null;
  #slot = 0;
  readonly #ids = new WeakMap<GPUBuffer, number>();
  #nextId = 1;
  /** The latest storage allocation the device refused, until a failure reports it. */
  allocFailure: string | null = null;
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
    if (this.device) b.gpu = this.#take(this.device, b.bytes, true);
    return b;
  }

  /** Device memory of `b`, attaching it (and uploading early writes) if needed. */
  mem(b: GpuBuffer): GPUBuffer {
    if (b.freed) throw new MXNetError("webgpu: buffer used after it was freed");
    if (!b.gpu) {
      const d = this.device!;
      b.gpu = this.#take(d, b.bytes, false);
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
    // Unsubmitted commands may still use it: see #dirty.
    this.#release(b.gpu);
    b.gpu = null;
  }

  #release(g: GPUBuffer): void {
    let list = this.#dirty.get(g.size);
    if (!list) this.#dirty.set(g.size, list = []);
    list.push(g);
  }

  /** A buffer of bucketBytes(bytes); `streamOnly`: the caller writes it only through
   * commands recorded from now on, so one freed in the open batch will do. */
  #take(d: GPUDevice, bytes: number, streamOnly: boolean): GPUBuffer {
    const size = bucketBytes(bytes);
    if (streamOnly) {
      const g = this.#dirty.get(size)?.pop();
      if (g) return g;
    }
    const g = this.#pool.get(size)?.pop();
    if (g) {
      this.pooledBytes -= size;
      return g;
    }
    return this.#createStorage(d, size);
  }

  /**
   * A new storage buffer of `size` bytes. WebGPU reports a failed allocation only later,
   * through an error scope, and hands out an invalid buffer meanwhile; the commands that
   * use it then fail with a bare validation error. So the failure is kept, saying how much
   * was asked and what the device held, and given with the next submission's failure.
   */
  #createStorage(d: GPUDevice, size: number): GPUBuffer {
    d.pushErrorScope("out-of-memory");
    const g = d.createBuffer({ size, usage: STORAGE_USAGE });
    // The buffer asked for is already counted live (alloc counts it before memory exists).
    const others = this.liveBytes - size, pooled = this.pooledBytes;
    d.popErrorScope().then((err) => {
      if (!err) return;
      this.allocFailure = `webgpu gpu(${this.id}): cannot allocate ${size} bytes: ` +
        `${err.message}; the device held ${others} bytes in other live arrays and ${pooled} pooled`;
      // What the pool holds is the memory most likely to let the next attempt succeed.
      this.trim();
    }, () => {});
    return g;
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
    this.#copyEncoder(d).copyBufferToBuffer(upload, 0, this.mem(b), 0, n);
    this.#batch.push({ kernel: "write", outputs: [b] });
    b.failed = null;
    this.#trash.push(upload);
  }

  /**
   * Reads `b` as it is at the call (later writes and kernels do not change the result):
   * records a copy into a staging buffer, submits, maps, copies out, unmaps
   * and pools the staging buffer before the promise settles (no mapAsync is ever left
   * pending). When the submission that last wrote `b` failed, that failure is thrown.
   */
  read(b: GpuBuffer): Promise<ArrayBuffer> {
    if (this.device) return this.#read(this.device, b);
    if (b.freed) return Promise.reject(new MXNetError("webgpu: buffer used after it was freed"));
    // No device yet: the content is the early write, if any (kernels wait for the device).
    // Copied now, as the value must be the one at the call: a later write replaces it.
    const early = new Uint8Array(b.bytes);
    const p = b.pending;
    if (p) early.set(new Uint8Array(p.buffer, p.byteOffset, Math.min(p.byteLength, b.bytes)));
    return this.ready.then(() => early.buffer);
  }

  async #read(d: GPUDevice, b: GpuBuffer): Promise<ArrayBuffer> {
    const size = bucketBytes(b.bytes);
    const staging = this.#staging.get(size)?.pop() ??
      d.createBuffer({ size, usage: STAGING_USAGE });
    const src = this.mem(b);
    this.#copyEncoder(d).copyBufferToBuffer(src, 0, staging, 0, b.bytes);
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
      const wgsl = code();
      // Every kernel binds storage buffers 0..n-1 and its params (read-only) at n.
      const kinds: string[] = [];
      for (const m of wgsl.matchAll(BINDING)) kinds[Number(m[1])] = m[2] === "read" ? "r" : "w";
      if (kinds.length === 0 || kinds.includes(undefined as never) || kinds.at(-1) !== "r") {
        throw new MXNetError(
          `webgpu kernel ${key}: expected storage bindings 0..n, the params read-only last`,
        );
      }
      this.#scope(d);
      const layout = this.#layout(d, kinds.join(""));
      const module = d.createShaderModule({ code: wgsl, label: key });
      const pipe = d.createComputePipeline({
        layout: layout.pl,
        compute: { module, entryPoint: "main" },
      });
      const writable = kinds.flatMap((k, i) => (k === "w" ? [i] : []));
      p = { pipe, layout, writable };
      this.#pipelines.set(key, p);
      this.#newPipelines.push(key);
    }
    return p;
  }

  #layout(d: GPUDevice, sig: string): Layout {
    let l = this.#layouts.get(sig);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = [...sig].map((k, i) => ({
        binding: i,
        visibility: COMPUTE,
        buffer: {
          type: k === "w" ? "storage" : "read-only-storage",
          hasDynamicOffset: i === sig.length - 1,
        },
      }));
      const bgl = d.createBindGroupLayout({ entries, label: sig });
      l = { sig, bgl, pl: d.createPipelineLayout({ bindGroupLayouts: [bgl] }) };
      this.#layouts.set(sig, l);
    }
    return l;
  }

  /** Opens the submit's validation scope (once): only object creation can fail at once;
   * commands recorded into a pass are validated when the encoder is finished. */
  #scope(d: GPUDevice): void {
    if (this.#scoped) return;
    d.pushErrorScope("validation");
    this.#scoped = true;
  }

  /**
   * A bind group for `buffers` (bindings 0..n-1) and params buffer `pbuf` (bound with a
   * dynamic offset, `size` bytes), cached by layout and buffer identity: creating one
   * costs more than the rest of a small dispatch, and a loop's buffers recur from step to
   * step (the params of every kernel share one buffer). The cache is dropped whenever a
   * buffer is destroyed.
   */
  #bindGroup(
    d: GPUDevice,
    layout: Layout,
    buffers: readonly GPUBuffer[],
    pbuf: GPUBuffer,
    size: number,
  ): GPUBindGroup {
    let k = layout.sig;
    for (const b of buffers) k += "|" + this.#idOf(b);
    k += "|" + this.#idOf(pbuf) + ":" + size;
    let bind = this.#binds.get(k);
    if (!bind) {
      if (this.#binds.size >= MAX_BIND_GROUPS) this.#binds.clear();
      this.#scope(d);
      const entries: GPUBindGroupEntry[] = buffers.map((buffer, i) => ({
        binding: i,
        resource: { buffer },
      }));
      entries.push({ binding: buffers.length, resource: { buffer: pbuf, offset: 0, size } });
      bind = d.createBindGroup({ layout: layout.bgl, entries });
      this.#binds.set(k, bind);
      this.#newBinds.push(k);
    }
    return bind;
  }

  #idOf(b: GPUBuffer): number {
    let id = this.#ids.get(b);
    if (id === undefined) this.#ids.set(b, id = this.#nextId++);
    return id;
  }

  /**
   * Stages a pass's params: the next slot of the batch's params buffer (written once, at
   * flush), or a pooled buffer of their own when they are larger than a slot or the slots
   * are used up. Returns the buffer, the dynamic offset and the binding size.
   */
  #params(d: GPUDevice, params: Uint32Array<ArrayBuffer>): [GPUBuffer, number, number] {
    if (params.length > SLOT_WORDS || this.#slot >= PARAMS_SLOTS) {
      // Not used by unsubmitted commands (clean pool), so a queued write is safe.
      const g = this.#take(d, params.byteLength, false);
      d.queue.writeBuffer(g, 0, params);
      this.#release(g);
      return [g, 0, g.size];
    }
    if (!this.#paramsBuf) {
      this.#scope(d);
      this.#paramsBuf = d.createBuffer({
        size: PARAMS_SLOTS * PARAMS_SLOT,
        usage: STORAGE_USAGE,
        label: "mxts params",
      });
    }
    const k = this.#slot++;
    this.#paramsHost.set(params, k * SLOT_WORDS);
    return [this.#paramsBuf, k * PARAMS_SLOT, PARAMS_SLOT];
  }

  #destroy(g: GPUBuffer): void {
    g.destroy();
    this.#binds.clear();
  }

  #encoder(d: GPUDevice): GPUCommandEncoder {
    return (this.#enc ??= d.createCommandEncoder());
  }

  /** The encoder, with its compute pass ended (copies are recorded outside passes). */
  #copyEncoder(d: GPUDevice): GPUCommandEncoder {
    if (this.#pass) {
      this.#pass.end();
      this.#pass = null;
    }
    return this.#encoder(d);
  }

  #computePass(d: GPUDevice): GPUComputePassEncoder {
    return (this.#pass ??= this.#encoder(d).beginComputePass());
  }

  /**
   * What dispatch validation would reject at submission, checked now so that the
   * operator fails by name: a buffer bound twice where one binding is written, and
   * workgroup counts past the limit.
   */
  #check(kernel: string, pipe: Pipeline, buffers: readonly GPUBuffer[], g: number[]): void {
    for (const w of pipe.writable) {
      const b = buffers[w];
      for (let j = 0; j < buffers.length; j++) {
        if (j !== w && buffers[j] === b) {
          throw new MXNetError(
            `webgpu ${kernel} on gpu(${this.id}): binding ${w} is written and also bound at ` +
              `${j} (the same buffer); a kernel cannot read and write one buffer this way`,
          );
        }
      }
    }
    if (g[0] > this.maxGroups || g[1] > this.maxGroups || g[2] > this.maxGroups) {
      throw new MXNetError(
        `webgpu ${kernel} on gpu(${this.id}): ${g.join(" x ")} workgroups exceed the ` +
          `per-dimension limit (${this.maxGroups})`,
      );
    }
  }

  /**
   * Encodes `passes` into the device's open compute pass. Work is submitted in batches
   * (a submit, a command buffer and a compute pass each cost more than an elementwise op
   * on small arrays): at a read or write, or every MAX_BATCH kernels.
   *
   * Errors: what WebGPU can reject at once (creating a shader, pipeline, bind group or
   * params buffer) is caught in a validation scope, and the returned promise then rejects
   * with an MXNetError naming `kernel` (the engine adds the operator's name); what it only
   * rejects at submission (aliasing, workgroup limits) is checked here first and throws.
   * When nothing was created, nothing can fail before submission: no scope is pushed and
   * the kernel completes synchronously (the engine then runs dependent ops at once). An
   * invalid command still voids its whole batch: every output written in that batch then
   * throws the failure when read, never stale data.
   */
  submit(
    kernel: string,
    passes: readonly Pass[],
    outputs: readonly GpuBuffer[],
  ): Promise<void> | undefined {
    const d = this.device!;
    this.#scoped = false;
    this.#newPipelines = [];
    this.#newBinds = [];
    try {
      for (const p of passes) {
        const pipe = this.#pipeline(d, p.key, p.code);
        const [x, y = 1, z = 1] = p.groups;
        const [gx, gy] = this.fold(x, y);
        this.#check(kernel, pipe, p.buffers, [gx, gy, z]);
        const [pbuf, offset, size] = this.#params(d, p.params);
        const bind = this.#bindGroup(d, pipe.layout, p.buffers, pbuf, size);
        const pass = this.#computePass(d);
        pass.setPipeline(pipe.pipe);
        pass.setBindGroup(0, bind, [offset]);
        pass.dispatchWorkgroups(gx, gy, z);
      }
    } catch (e) {
      if (this.#scoped) d.popErrorScope().catch(() => {});
      this.#scoped = false;
      this.#forget(this.#newPipelines, this.#newBinds);
      throw e;
    }
    for (const o of outputs) o.failed = null;
    this.#batch.push({ kernel, outputs });
    if (this.#batch.length >= MAX_BATCH) this.flush();
    if (!this.#scoped) return undefined;
    this.#scoped = false;
    const created = [this.#newPipelines, this.#newBinds] as const;
    return d.popErrorScope().then((err) => {
      if (!err) return;
      // Never reuse what failed to be created.
      this.#forget(...created);
      throw new MXNetError(`webgpu ${kernel} on gpu(${this.id}): ${err.message}`);
    });
  }

  #forget(pipelines: readonly string[], binds: readonly string[]): void {
    for (const k of pipelines) this.#pipelines.delete(k);
    for (const k of binds) this.#binds.delete(k);
  }

  /**
   * Submits the open batch. The promise settles once its error scopes are known; on a
   * failure the batch's outputs are marked so that reading them throws it.
   */
  flush(): Promise<void> {
    const d = this.device;
    if (!d) return this.#flushed;
    if (this.#pass) {
      this.#pass.end();
      this.#pass = null;
    }
    const enc = this.#enc, batch = this.#batch;
    this.#enc = null;
    this.#batch = [];
    let checked: Promise<void> = Promise.resolve();
    if (enc) {
      d.pushErrorScope("validation");
      d.pushErrorScope("out-of-memory");
      // The batch's params, in one write queued before the batch (and after the previous
      // batch's submission, which read the same buffer).
      if (this.#slot > 0) {
        d.queue.writeBuffer(this.#paramsBuf!, 0, this.#paramsHost, 0, this.#slot * SLOT_WORDS);
      }
      d.queue.submit([enc.finish()]);
      const oom = d.popErrorScope(), validation = d.popErrorScope();
      checked = Promise.all([validation, oom]).then(([v, o]) => {
        const err = v ?? o;
        if (!err) return;
        const kernels = [...new Set(batch.map((c) => c.kernel))].join(", ");
        // A buffer the device could not allocate is the likely cause: say so first.
        const cause = this.allocFailure ? `${this.allocFailure}; then ` : "";
        this.allocFailure = null;
        const e = new MXNetError(
          `${cause}webgpu gpu(${this.id}): a submission with [${kernels}] failed: ${err.message}`,
        );
        for (const c of batch) for (const o of c.outputs) o.failed = e;
      });
    }
    // Submitted (or never recorded): queue order now protects these buffers.
    this.#slot = 0;
    for (const list of this.#dirty.values()) for (const g of list) this.#recycle(g);
    this.#dirty.clear();
    for (const g of this.#trash) g.destroy();
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
