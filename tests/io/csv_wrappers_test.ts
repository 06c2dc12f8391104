/** CSVIter, PrefetchingIter and ResizeIter. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import * as io from "../../src/io/mod.ts";
import { backendTest, values } from "../_harness.ts";

backendTest("io: CSVIter reshapes rows and pads the last batch", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/x.csv`, "1,2,3,4\n5,6,7,8\n9,10,11,12\n");
  await Deno.writeTextFile(`${dir}/y.csv`, "0\n1\n2\n");
  const it = new io.CSVIter({
    dataCsv: `${dir}/x.csv`,
    dataShape: [2, 2],
    labelCsv: `${dir}/y.csv`,
    batchSize: 2,
  });
  assert.deepEqual(it.provideData[0].shape, [2, 2, 2]);
  assert.deepEqual(it.provideLabel[0].shape, [2]);
  const b1 = (await it.next())!, b2 = (await it.next())!;
  assert.deepEqual(await b1.data[0].array(), [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
  assert.deepEqual(await values(b2.label[0]), [2, 0]);
  assert.equal(b2.pad, 1);
  assert.equal(await it.next(), null);
  it.reset();
  assert.deepEqual(await values((await it.next())!.label[0]), [0, 1]);
  const drop = new io.CSVIter({
    dataCsv: `${dir}/x.csv`,
    dataShape: [4],
    batchSize: 2,
    roundBatch: false,
  });
  assert.ok(await drop.next());
  assert.equal(await drop.next(), null);
  assert.deepEqual(drop.provideLabel, []);

  await Deno.writeTextFile(`${dir}/bad.csv`, "1,2,3,4\n5,6,7\n");
  const bad = new io.CSVIter({ dataCsv: `${dir}/bad.csv`, dataShape: [4], batchSize: 1 });
  await assert.rejects(
    () => bad.next(),
    new RegExp(`${dir}/bad.csv: line 2 has 3 values, expected 4`),
  );
  await Deno.writeTextFile(`${dir}/nan.csv`, "1,x\n");
  const nan = new io.CSVIter({ dataCsv: `${dir}/nan.csv`, dataShape: [2], batchSize: 1 });
  await assert.rejects(() => nan.next(), /nan.csv: line 1, column 2: "x" is not a number/);
  it.dispose();
  drop.dispose();
  await Deno.remove(dir, { recursive: true });
});

/** An iterator whose batches take a while, logging when each fetch starts and ends. */
class SlowIter extends io.DataIter {
  i = 0;
  constructor(readonly log: string[], readonly n = 3) {
    super(1);
  }
  get provideData(): io.DataDesc[] {
    return [new io.DataDesc("data", [1])];
  }
  get provideLabel(): io.DataDesc[] {
    return [];
  }
  reset(): void {
    this.i = 0;
    this.log.push("reset");
  }
  async next(): Promise<io.DataBatch | null> {
    if (this.i >= this.n) return null;
    const k = this.i++;
    this.log.push(`fetch ${k}`);
    await new Promise((r) => setTimeout(r, 5));
    this.log.push(`fetched ${k}`);
    return new io.DataBatch({ data: [mx.nd.array([k])] });
  }
}

backendTest(
  "io: PrefetchingIter fetches the next batch while the current one is used",
  async () => {
    const log: string[] = [];
    const it = new io.PrefetchingIter(new SlowIter(log));
    for await (const b of it) {
      const k = (await values(b.data[0]))[0];
      log.push(`use ${k}`);
      await new Promise((r) => setTimeout(r, 10)); // training on batch k
      log.push(`done ${k}`);
      b.dispose();
    }
    // batch k+1 is fetched during the work on batch k
    assert.ok(log.indexOf("fetched 1") < log.indexOf("done 0"), log.join(", "));
    assert.ok(log.indexOf("fetch 2") < log.indexOf("done 1"), log.join(", "));
    it.reset();
    assert.deepEqual(await values((await it.next())!.data[0]), [0]);
    it.reset(); // with batch 1 in flight: it is dropped, the next epoch starts at 0
    assert.deepEqual(await values((await it.next())!.data[0]), [0]);
    await it.next();
    await it.next();
    assert.equal(await it.next(), null);
  },
);

backendTest("io: PrefetchingIter joins iterators and renames", async () => {
  const a = new io.NDArrayIter({ data: [[1], [2], [3], [4]], label: [1, 2, 3, 4], batchSize: 2 });
  const b = new io.NDArrayIter({ data: [[5], [6], [7], [8]], batchSize: 2 });
  const it = new io.PrefetchingIter([a, b], { renameData: [{ data: "a" }, { data: "b" }] });
  assert.deepEqual(it.provideData.map((d) => d.name), ["a", "b"]);
  let n = 0;
  for await (const batch of it) {
    assert.equal(batch.data.length, 2);
    assert.equal(batch.label.length, 1);
    assert.deepEqual(await values(batch.data[1]), n === 0 ? [5, 6] : [7, 8]);
    batch.dispose();
    n++;
  }
  assert.equal(n, 2);
  assert.throws(
    () => new io.PrefetchingIter([a, new io.NDArrayIter({ data: [1, 2, 3], batchSize: 3 })]),
    /batch sizes differ/,
  );
});

backendTest("io: ResizeIter serves a fixed number of batches", async () => {
  const inner = new io.NDArrayIter({ data: [0, 1, 2, 3, 4, 5], batchSize: 2 });
  const it = new io.ResizeIter(inner, 5);
  const got: number[][] = [];
  for await (const b of it) got.push(await values(b.data[0])), b.dispose();
  assert.deepEqual(got, [[0, 1], [2, 3], [4, 5], [0, 1], [2, 3]]);
  it.reset();
  assert.deepEqual(await values((await it.next())!.data[0]), [0, 1]);
  assert.deepEqual(it.provideData, inner.provideData);
});
