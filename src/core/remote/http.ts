/**
 * `http://` and `https://` URIs, for reading (a model's files on a web server): a 404 is a
 * FileNotFoundError; writing is refused with a clear error.
 * @module
 */
import { FileNotFoundError, MXNetError } from "../errors.ts";
import type { RemoteStaged, RemoteStore } from "./mod.ts";

/** The read-only HTTP(S) store. */
export function httpStore(): RemoteStore {
  return {
    async read(uri, where) {
      let r: Response;
      try {
        r = await fetch(uri);
      } catch (e) {
        throw new MXNetError(`${where}: cannot reach ${uri}: ${e}`, { cause: e });
      }
      if (r.status === 404) {
        await r.body?.cancel();
        throw new FileNotFoundError(where, uri);
      }
      if (!r.ok) {
        await r.body?.cancel();
        throw new MXNetError(`${where}: ${uri}: HTTP ${r.status} ${r.statusText}`);
      }
      return new Uint8Array(await r.arrayBuffer());
    },
    stage(uri, _content, where): Promise<RemoteStaged> {
      return Promise.reject(
        new MXNetError(
          `${where}: ${uri}: http(s) URIs are read-only; save to s3://, hdfs:// or a path`,
        ),
      );
    },
  };
}
