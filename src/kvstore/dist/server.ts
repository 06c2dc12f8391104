/**
 * The server loop of `dist_async` (MXNet's KVStoreDistServer): receives worker requests
 * in arrival order, applies each push with the optimizer at once, answers pulls with the
 * latest value, and returns once every worker has said it is done. Requests that arrive
 * before their key (or the optimizer) is known wait until it is.
 * @module
 */
import { cpu } from "../../core/context.ts";
import { MXNetError } from "../../core/errors.ts";
import { array } from "../../ndarray/creation.ts";
import type { NDArray } from "../../ndarray/ndarray.ts";
import { getUpdater, type Updater } from "../../optimizer/updater.ts";
import type { Key } from "../kvstore.ts";
import { decodeOptimizer } from "./optimizer_wire.ts";
import { decode, type Header, Op, TAG_REQUEST } from "./protocol.ts";
import { type Session, session } from "./session.ts";

interface Part {
  key: Key;
  value: NDArray;
}

interface Store {
  updater: Updater | null;
  parts: Map<number, Part>;
}

interface Request {
  source: number;
  h: Header;
  json: string;
  data: Uint8Array;
}

/** Serves until every worker has finished; returns the number of requests handled. */
export async function runServer(): Promise<number> {
  const s = session("server");
  const m = s.mpi;
  const stores = new Map<number, Store>();
  let waiting: Request[] = [];
  let finished = 0, handled = 0;
  const reply = (r: Request, bytes: Uint8Array = new Uint8Array(0)) =>
    m.send(bytes, r.source, r.h.replyTag, s.psComm, { what: "kvstore server reply" });
  const storeOf = (id: number): Store => {
    let st = stores.get(id);
    if (!st) stores.set(id, st = { updater: null, parts: new Map() });
    return st;
  };
  const toArray = (data: Uint8Array, dtype: string): NDArray => {
    const copy = data.slice().buffer;
    const typed = dtype === "float64" ? new Float64Array(copy) : new Float32Array(copy);
    return array(typed, { shape: [typed.length], dtype: dtype as "float32", ctx: cpu() });
  };
  // Returns false when the request must wait (unknown key or no optimizer yet).
  const handle = async (r: Request): Promise<boolean> => {
    const st = storeOf(r.h.storeId);
    const partId = r.h.keyIdx * 1_000_003 + r.h.offset;
    const part = st.parts.get(partId);
    switch (r.h.op) {
      case Op.INIT: {
        const meta = JSON.parse(r.json) as { key: Key; dtype: string };
        const value = toArray(r.data, meta.dtype);
        st.parts.set(partId, { key: meta.key, value });
        st.updater?.initState(meta.key, value);
        await reply(r);
        return true;
      }
      case Op.SET_OPTIMIZER: {
        st.updater?.dispose();
        st.updater = getUpdater(decodeOptimizer(r.json));
        for (const p of st.parts.values()) st.updater.initState(p.key, p.value);
        await reply(r);
        return true;
      }
      case Op.PUSH: {
        if (!part || !st.updater) return false;
        const grad = toArray(r.data, part.value.dtype);
        st.updater(part.key, grad, part.value);
        grad.dispose();
        await part.value.waitToRead();
        await reply(r);
        return true;
      }
      case Op.PULL: {
        if (!part) return false;
        const d = await part.value.data();
        await reply(r, new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
        return true;
      }
    }
    throw new MXNetError(`kvstore server: unknown request ${r.h.op} from rank ${r.source}`);
  };
  while (finished < s.numWorkers) {
    // No timeout: workers may compute for as long as they like between requests.
    const env = await m.probe(s.psComm, { tag: TAG_REQUEST, timeoutMs: 0, what: "server wait" });
    const buf = new Uint8Array(new ArrayBuffer(Math.max(env.bytes, 8)));
    await m.recv(buf, env.source, TAG_REQUEST, s.psComm, { what: "kvstore server receive" });
    const { h, json, data } = decode(buf.subarray(0, env.bytes));
    if (h.op === Op.FINISH) {
      finished++;
      continue;
    }
    handled++;
    const r = { source: env.source, h, json, data };
    if (!(await handle(r))) {
      waiting.push(r);
      continue;
    }
    if (waiting.length && (h.op === Op.INIT || h.op === Op.SET_OPTIMIZER)) {
      const again = waiting;
      waiting = [];
      for (const w of again) if (!(await handle(w))) waiting.push(w);
    }
  }
  if (waiting.length) {
    const r = waiting[0];
    m.abort(
      `kvstore server ${s.rank}: ${waiting.length} requests never became ready (e.g. key ` +
        `#${r.h.keyIdx} of store ${r.h.storeId} from rank ${r.source}: no init or no optimizer)`,
    );
  }
  for (const st of stores.values()) {
    st.updater?.dispose();
    for (const p of st.parts.values()) p.value.dispose();
  }
  return handled;
}

/** This process's session as a server (for tests that inspect roles). */
export function serverSession(): Session {
  return session("server");
}
