/**
 * webgpu devices and memory: unsupported dtypes, error scopes, dispatches past the
 * 65,535-workgroup limit, logical devices gpu(0..3), writes before a device exists, and
 * a 1,000-step loop whose live memory stays flat.
 */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { backendByName, numGpus } from "../../backends/mod.ts";
import { ADAPTER, createWebGPUBackend } from "../../backends/webgpu/mod.ts";
import * as kvs from "../../src/kvstore/mod.ts";
import { gpuTest } from "./_webgpu.ts";

const g = mx.gpu(0);
const webgpu = () => backendByName("webgpu") as ReturnType<typeof createWebGPUBackend>;

gpuTest("float64 and int64 throw an UnsupportedError naming the dtype and a way out", () => {
  for (const dtype of ["float64", "int64"] as mx.DType[]) {
    assert.throws(
      () => mx.nd.zeros([2], { ctx: g, dtype }),
      (e) =>
        e instanceof mx.UnsupportedError && e.message.includes(dtype) &&
        e.message.includes(".astype(") && e.message.includes("mx.cpu()"),
    );
  }
  return Promise.resolve();
});

gpuTest("a WebGPU validation error fails the operator with an MXNetError", async () => {
  const d = webgpu().device(0);
  const device = await d.ready;
  await mx.nd.zeros([4], { ctx: g }).data(); // the fill pipeline now exists
  const pass = (buffer: GPUBuffer) => ({
    key: "fill",
    code: () => "unused: the fill pipeline is cached",
    buffers: [buffer],
    params: new Uint32Array([4, 0]),
    groups: [1] as [number],
  });
  // Invalid at encoding (a buffer without STORAGE usage): the operator itself fails.
  const notStorage = device.createBuffer({ size: 256, usage: GPUBufferUsage.COPY_DST });
  const v = new mx.engine.Var();
  mx.engine.push("myFill", () => d.submit("fill", [pass(notStorage)], []), [], [v]);
  await assert.rejects(
    mx.engine.waitForVar(v),
    (e) =>
      e instanceof mx.EngineError && e.message.includes("myFill") &&
      e.message.includes("webgpu fill on gpu(0)"),
  );
  notStorage.destroy();
  // Valid when encoded, invalid at submission (its buffer is destroyed in between): the
  // kernel's output reports the failure when read; other work is unaffected.
  const out = mx.nd.zeros([4], { ctx: g });
  await out.waitToRead();
  const be = webgpu();
  const victim = device.createBuffer({ size: 256, usage: GPUBufferUsage.STORAGE });
  const buf = (out as unknown as { _tensor(w: string): { buf: Parameters<typeof be.free>[0] } })
    ._tensor("test").buf;
  await d.submit("fill", [pass(victim)], [buf as never]);
  victim.destroy();
  await assert.rejects(
    out.data(),
    (e) => e instanceof mx.MXNetError && e.message.includes("a submission with [fill"),
  );
  assert.deepEqual(Array.from(await mx.nd.ones([2], { ctx: g }).data() as Float32Array), [1, 1]);
});

gpuTest("dispatches past 65,535 workgroups are split", async () => {
  // A strided (transposed) operand takes the one-element-per-invocation path: 65,536+
  // workgroups of 256. The fill before it covers the same words (one per invocation).
  const m = 65_535 * 128 + 500;
  const y = mx.nd.ones([2, m], { ctx: g }).transpose().mul(3);
  const v = await y.data() as Float32Array;
  assert.equal(v.length, 2 * m);
  assert.ok(v.every((x) => x === 3), "every element of the folded dispatch was written");
  // One workgroup per output row: 70,000 rows fold over two dimensions.
  const s = mx.nd.ones([70_000, 128], { ctx: g }).sum({ axis: 1 });
  const sv = await s.data() as Float32Array;
  assert.ok(sv.every((x) => x === 128));
  y.dispose();
  s.dispose();
  await mx.nd.waitAll();
  webgpu().device(0).trim(); // hand the ~200 MB back instead of pooling it for later tests
});

gpuTest("gpu(0..3) are separate logical devices; copies cross them", async () => {
  const a = mx.nd.array([[1, 2], [3, 4]], { ctx: g });
  let x: mx.NDArray = a;
  for (const i of [1, 2, 3]) x = x.copyTo(mx.gpu(i)).mul(2);
  assert.ok(x.context.equals(mx.gpu(3)));
  assert.deepEqual(await x.array(), [[8, 16], [24, 32]]);
  const be = webgpu();
  assert.notEqual(be.device(0), be.device(3));
  assert.notEqual(await be.device(0).ready, await be.device(3).ready);
  assert.equal(mx.nd.memoryInfo(mx.gpu(3)).count >= 1, true);
  // gpu -> cpu -> gpu, strided on the way.
  const t = a.transpose().copyTo(mx.cpu()).copyTo(mx.gpu(2));
  assert.deepEqual(await t.array(), [[1, 3], [2, 4]]);
});

gpuTest("writes before a device exists are uploaded when it appears", async () => {
  const a = mx.nd.array([1, 2, 3], { ctx: mx.gpu(7) });
  assert.deepEqual(Array.from(await a.add(1).data() as Float32Array), [2, 3, 4]);
});

gpuTest("seed KVStore example on gpu(0..3)", async () => {
  const kv = kvs.create("local");
  const shape = [2, 3];
  const filled = (v: number) => [[v, v, v], [v, v, v]];
  kv.init(3, mx.nd.ones(shape, g).mul(2));
  const a = mx.nd.zeros(shape, g);
  kv.pull(3, { out: a });
  assert.deepEqual(await a.array(), filled(2));
  const gpus = [0, 1, 2, 3].map((i) => mx.gpu(i));
  kv.push(3, gpus.map((c) => mx.nd.ones(shape, c)));
  kv.pull(3, { out: a });
  assert.deepEqual(await a.array(), filled(4));
  const b = gpus.map((c) => mx.nd.ones(shape, c));
  kv.pull(3, { out: b });
  for (const [i, x] of b.entries()) {
    assert.ok(x.context.equals(gpus[i]));
    assert.deepEqual(await x.array(), filled(4));
  }
});

gpuTest("numGpus counts hardware adapters only", () => {
  assert.equal(numGpus(), ADAPTER && !ADAPTER.isFallback ? 1 : 0);
  return Promise.resolve();
});

gpuTest("1,000 steps of ops on gpu(0) keep live buffers and bytes flat", async () => {
  mx.random.seed(0);
  const w = mx.nd.zeros([32, 1], { ctx: g });
  const x = mx.random.uniform(-1, 1, [64, 32], { ctx: g });
  const truth = mx.random.uniform(-1, 1, [32, 1], { ctx: g });
  const y = mx.nd.dot(x, truth);
  const idx = mx.nd.array([0, 5, 9], { ctx: g });
  const seen: { count: number; bytes: number; pooled: number }[] = [];
  for (let step = 0; step < 1000; step++) {
    mx.nd.scope(() => {
      const err = mx.nd.dot(x, w).sub(y);
      const grad = mx.nd.dot(x, err, { transposeA: true }).mul(1 / 64);
      w.subInPlace(grad.mul(0.5));
      mx.random.uniform(0, 1, [16], { ctx: g }).take(idx).sort().sum();
    });
    if (step % 100 === 99) {
      await w.waitToRead();
      const m = mx.nd.memoryInfo(g);
      seen.push({ count: m.count, bytes: m.bytes, pooled: m.pooledBytes });
    }
  }
  assert.ok(
    seen.every((s) => s.count === seen[0].count && s.bytes === seen[0].bytes),
    JSON.stringify(seen),
  );
  const loss = mx.nd.dot(x, w).sub(y).square().mean();
  assert.ok((await loss.asScalar()) < 1e-6, "the loop did real work: least squares converged");
});

gpuTest(
  "batched kernels share a compute pass: order, in-batch buffer reuse, two devices",
  async () => {
    const a = mx.nd.array([1, 2, 3, 4], { ctx: g });
    const b = mx.nd.array([10, 20, 30, 40], { ctx: mx.gpu(1) });
    let x: mx.NDArray = a, y: mx.NDArray = b;
    for (let i = 0; i < 150; i++) {
      // Interleaved devices; each step frees an array whose buffer the next alloc reuses
      // within the same (unsubmitted) batch.
      const nx = x.add(1), ny = y.mul(1).add(2);
      if (x !== a) x.dispose();
      if (y !== b) y.dispose();
      x = nx, y = ny;
    }
    const t = mx.nd.ones([4], { ctx: g }).mul(7); // reuses a freed buffer, written in-stream
    assert.deepEqual(Array.from(await x.data() as Float32Array), [151, 152, 153, 154]);
    assert.deepEqual(Array.from(await y.data() as Float32Array), [310, 320, 330, 340]);
    assert.deepEqual(Array.from(await t.data() as Float32Array), [7, 7, 7, 7]);
    // A host write between kernels of one batch lands in order.
    const w = mx.nd.zeros([4], { ctx: g });
    const before = w.add(1);
    w.set([5, 6, 7, 8]);
    const after = w.add(1);
    assert.deepEqual(Array.from(await before.data() as Float32Array), [1, 1, 1, 1]);
    assert.deepEqual(Array.from(await after.data() as Float32Array), [6, 7, 8, 9]);
  },
);

gpuTest(
  "params larger than a slot (rank-15 strided operands) use a buffer of their own",
  async () => {
    const shape = Array(15).fill(2);
    const n = 2 ** 15;
    const src = Float32Array.from({ length: n }, (_, i) => i);
    const onCtx = (ctx: mx.Context) => {
      const a = mx.nd.array(src, { shape, ctx });
      const b = mx.nd.array(src, { shape, ctx });
      return a.transpose().add(b).mul(2);
    };
    const c = onCtx(mx.cpu()), gp = onCtx(g);
    assert.deepEqual(
      Array.from(await gp.data() as Float32Array),
      Array.from(await c.data() as Float32Array),
    );
  },
);

gpuTest(
  "what dispatch validation would reject fails the operator by name, before submission",
  async () => {
    const d = webgpu().device(0);
    const device = await d.ready;
    const code = () =>
      `@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<storage, read> P: array<u32>;
@compute @workgroup_size(1) fn main() { O[0] = X[0] + f32(P[0]); }`;
    const buf = device.createBuffer({ size: 256, usage: GPUBufferUsage.STORAGE });
    const other = device.createBuffer({ size: 256, usage: GPUBufferUsage.STORAGE });
    const pass = (buffers: GPUBuffer[], groups: [number, number?, number?]) => ({
      key: "test-alias",
      code,
      buffers,
      params: new Uint32Array([1]),
      groups,
    });
    // The written binding is also bound as an input.
    const v = new mx.engine.Var();
    mx.engine.push("myAlias", () => d.submit("aliasKernel", [pass([buf, buf], [1])], []), [], [v]);
    await assert.rejects(
      mx.engine.waitForVar(v),
      (e) =>
        e instanceof mx.EngineError && e.message.includes("myAlias") &&
        e.message.includes("webgpu aliasKernel on gpu(0)") && e.message.includes("binding 1"),
    );
    // Too many workgroups along z.
    const z = new mx.engine.Var();
    mx.engine.push(
      "myGroups",
      () => d.submit("groupsKernel", [pass([other, buf], [1, 1, d.maxGroups + 1])], []),
      [],
      [z],
    );
    await assert.rejects(
      mx.engine.waitForVar(z),
      (e) => e instanceof mx.EngineError && e.message.includes("webgpu groupsKernel on gpu(0)"),
    );
    // A valid kernel: asynchronous only the first time (its pipeline and bind group are
    // created in a validation scope), synchronous once both are cached.
    const first = d.submit("ok", [pass([other, buf], [1])], []);
    assert.ok(first instanceof Promise);
    await first;
    assert.equal(d.submit("ok", [pass([other, buf], [1])], []), undefined);
    await mx.nd.ones([1], { ctx: g }).data(); // flushes the batch
    buf.destroy();
    other.destroy();
  },
);

gpuTest(
  "on Linux with a Vulkan driver, wgpu runs Vulkan only: OpenGL's libEGL is never loaded",
  async () => {
    const icds = ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d"].flatMap((dir) => {
      try {
        return [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".json"));
      } catch {
        return [];
      }
    });
    if (Deno.build.os !== "linux" || icds.length === 0) return; // nothing to choose
    // Set by the adapter probe unless the environment chose backends already.
    const chosen = Deno.env.get("DENO_WEBGPU_BACKEND");
    assert.notEqual(chosen, undefined, "the probe leaves DENO_WEBGPU_BACKEND set");
    if (chosen !== "vulkan") return;
    const maps = await Deno.readTextFile("/proc/self/maps");
    assert.equal(maps.includes("libEGL"), false, "libEGL is mapped into the process");
  },
);

/**
 * A device that refuses storage buffers of `poison` bytes or more as WebGPU does when out of
 * memory: the buffer it returns is invalid, and the innermost "out-of-memory" error scope
 * reports the failure. Everything else is the real device.
 */
function refusingDevice(real: GPUDevice, poison: number): GPUDevice {
  const scopes: { filter: GPUErrorFilter; injected: { message: string } | null }[] = [];
  const fake = {
    pushErrorScope(filter: GPUErrorFilter) {
      real.pushErrorScope(filter);
      scopes.push({ filter, injected: null });
    },
    popErrorScope() {
      const s = scopes.pop()!;
      const p = real.popErrorScope();
      return s.injected ? p.then(() => s.injected) : p;
    },
    createBuffer(desc: GPUBufferDescriptor) {
      if (desc.size < poison || !(desc.usage & GPUBufferUsage.STORAGE)) {
        return real.createBuffer(desc);
      }
      const scope = scopes.findLast((s) => s.filter === "out-of-memory");
      if (scope) scope.injected = { message: "Not enough memory left (injected)" };
      // An invalid buffer, as a failed allocation gives (STORAGE with MAP_READ is invalid).
      real.pushErrorScope("validation");
      const g = real.createBuffer({ ...desc, usage: desc.usage | GPUBufferUsage.MAP_READ });
      real.popErrorScope().catch(() => {});
      return g;
    },
  };
  return new Proxy(real, {
    get(target, key) {
      if (key in fake) return fake[key as keyof typeof fake];
      const v = Reflect.get(target, key, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

gpuTest(
  "an allocation the device refuses fails with the bytes asked and what it held",
  async () => {
    const real = ADAPTER!;
    const poison = 32 << 20;
    const probe = {
      ...real,
      adapter: new Proxy(real.adapter, {
        get(target, key) {
          if (key === "requestDevice") {
            return async (desc: GPUDeviceDescriptor) =>
              refusingDevice(await target.requestDevice(desc), poison);
          }
          const v = Reflect.get(target, key, target);
          return typeof v === "function" ? v.bind(target) : v;
        },
      }),
    };
    const be = createWebGPUBackend(probe);
    await be.device(0).ready;
    const small = be.alloc("float32", 4, 0);
    const big = be.alloc("float32", poison / 4, 0);
    try {
      be.write(small, new Float32Array([1, 2, 3, 4]));
      be.write(big, new Float32Array(poison / 4));
      await assert.rejects(be.read(big), (e: unknown) => {
        assert.ok(e instanceof mx.MXNetError, `${e}`);
        assert.match(
          e.message,
          new RegExp(
            `^webgpu gpu\\(0\\): cannot allocate ${poison} bytes: Not enough memory left ` +
              `\\(injected\\); the device held 256 bytes in other live arrays and 0 pooled; then ` +
              `webgpu gpu\\(0\\): a submission with \\[write\\] failed`,
          ),
        );
        return true;
      });
      // The device goes on: a later allocation that fits works.
      const after = be.alloc("float32", 4, 0);
      be.write(after, new Float32Array([5, 6, 7, 8]));
      assert.deepEqual(Array.from(await be.read(after)), [5, 6, 7, 8]);
      be.free(after);
    } finally {
      be.free(small);
      be.free(big);
      (await be.device(0).ready).destroy();
    }
  },
);
