/** mx.nd.loadList / loadDict return the kind of file they expect; bytes and Blobs load too. */
import assert from "node:assert/strict";
import * as mx from "../../mod.ts";
import { fixturePath } from "../fixtures/mod.ts";

Deno.test("loadList and loadDict type what load returns, and refuse the other kind", async () => {
  const list = await mx.nd.saveBytes([mx.nd.ones([2]), mx.nd.arange(3)]);
  const dict = await mx.nd.saveBytes({ w: mx.nd.ones([2, 2]) });
  const [a, b] = await mx.nd.loadList(list);
  assert.deepEqual(await b.array(), [0, 1, 2]);
  const { w } = await mx.nd.loadDict(new Blob([dict]));
  assert.deepEqual(w.shape, [2, 2]);
  await assert.rejects(() => mx.nd.loadList(dict), (e: unknown) => {
    assert.ok(e instanceof mx.FormatError);
    assert.match(
      e.message,
      /loadList: the data is a dict of named arrays \(w\); load it with loadDict/,
    );
    return true;
  });
  await assert.rejects(
    () => mx.nd.loadDict(list.buffer as ArrayBuffer),
    /loadDict: the data is a list of 2 arrays without names; load it with loadList/,
  );
  // A saved empty dict is an empty file: either kind.
  assert.deepEqual(await mx.nd.loadDict(await mx.nd.saveBytes({})), {});
  // An MXNet .params file is a dict.
  const params = await mx.nd.loadDict(fixturePath("sagemaker-linreg/model-0000.params"));
  assert.ok(Object.keys(params).some((k) => k.startsWith("arg:")));
  for (const x of [a, b, w, ...Object.values(params)]) x.dispose();
});
