import assert from "node:assert/strict";
import { checkOptions, nearestKey } from "../../src/core/options.ts";
import { ParamError } from "../../src/core/errors.ts";

Deno.test("checkOptions names the unknown key and the nearest known one", () => {
  checkOptions("fit", { numEpoch: 2, batchSize: undefined }, ["numEpoch", "batchSize"]);
  assert.throws(
    () => checkOptions("fit", { numEpochs: 2 }, ["numEpoch", "batchSize"]),
    (e: unknown) =>
      e instanceof ParamError && /fit: unknown option numEpochs; did you mean numEpoch\?/.test(
        e.message,
      ),
  );
  // Python's spelling points at the camelCase key.
  assert.equal(nearestKey("num_epoch", ["numEpoch", "optimizer"]), "numEpoch");
  // Nothing close: no suggestion, but still an error listing the known keys.
  assert.equal(nearestKey("zzzzzzzz", ["numEpoch"]), undefined);
  assert.throws(() => checkOptions("f", { zzzzzzzz: 1 }, ["numEpoch"]), /known options: numEpoch/);
  assert.throws(() => checkOptions("f", 3 as unknown as object, []), /options must be an object/);
});
