/**
 * `s3://bucket/key` through the AWS SDK for JavaScript's S3 client, imported from npm the
 * first time an `s3://` URI is used (the core package carries no weight for it).
 *
 * Configuration, as the SDK and MXNet's dmlc-core read it: credentials from
 * `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (/ `AWS_SESSION_TOKEN`) or the SDK's
 * profiles; region from `AWS_REGION` or `AWS_DEFAULT_REGION` (us-east-1 by default);
 * `S3_ENDPOINT` for an S3-compatible store (`http://127.0.0.1:9000`, or a bare host meaning
 * https), with path-style addressing, which `S3_IS_AWS=0` also selects;
 * `S3_VERIFY_SSL=0` accepts the endpoint's certificate unchecked.
 *
 * A save is a multipart upload of 8 MiB parts, completed on commit and aborted on failure:
 * the object appears complete or not at all, and the content is never all in memory.
 * @module
 */
import { FileNotFoundError, MXNetError } from "../errors.ts";
import { env } from "../env.ts";
import { type FileContent, partsOf, type RemoteStaged, type RemoteStore } from "./mod.ts";

/** The SDK, pinned; a computed specifier keeps it out of the static module graph. */
const SDK = ["npm:@aws-sdk/client-s3", "3.1178.0"].join("@");

/** Bytes per uploaded part (S3's minimum is 5 MiB, except for the last part). */
const PART_BYTES = 8 << 20;

/** The few SDK shapes used here (the SDK is imported dynamically, untyped). */
interface S3Client {
  send(command: unknown): Promise<Record<string, unknown>>;
}
type Command = new (input: Record<string, unknown>) => unknown;
interface Sdk {
  S3Client: new (config: Record<string, unknown>) => S3Client;
  GetObjectCommand: Command;
  CreateMultipartUploadCommand: Command;
  UploadPartCommand: Command;
  CompleteMultipartUploadCommand: Command;
  AbortMultipartUploadCommand: Command;
}
/** An SDK error: the service's error name and the HTTP status. */
interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Bucket and key of `s3://bucket/key`. */
export function parseS3(uri: string, where: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/i.exec(uri);
  if (!m) {
    throw new MXNetError(`${where}: ${uri} is not an S3 object URI (expected s3://bucket/key)`);
  }
  return { bucket: m[1], key: m[2] };
}

/** The endpoint and addressing from S3_ENDPOINT / S3_IS_AWS (undefined: AWS itself). */
function endpointConfig(): Record<string, unknown> {
  const raw = env("S3_ENDPOINT");
  const config: Record<string, unknown> = {};
  if (raw) config.endpoint = /^https?:\/\//i.test(raw) ? raw : `https://${raw}`;
  if (raw || env("S3_IS_AWS") === "0") config.forcePathStyle = true;
  return config;
}

async function makeClient(): Promise<{ sdk: Sdk; client: S3Client; endpoint: string }> {
  const sdk = await import(SDK) as Sdk;
  const config: Record<string, unknown> = {
    region: env("AWS_REGION") ?? env("AWS_DEFAULT_REGION") ?? "us-east-1",
    // S3-compatible stores often lack the newer default checksums; S3 does not need them.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...endpointConfig(),
  };
  if (env("S3_VERIFY_SSL") === "0") {
    // Computed, like the SDK's: bundlers for browsers must not try to resolve it.
    const https = await import(["node", "https"].join(":")) as typeof import("node:https");
    config.requestHandler = { httpsAgent: new https.Agent({ rejectUnauthorized: false }) };
  }
  const endpoint = (config.endpoint as string | undefined) ?? "AWS S3";
  return { sdk, client: new sdk.S3Client(config), endpoint };
}

/** An SDK failure as an MXNetError naming the bucket, key, error and HTTP status. */
function s3Error(where: string, uri: string, endpoint: string, e: unknown): MXNetError {
  const err = e as SdkError;
  const status = err.$metadata?.httpStatusCode;
  if (err.name === "NoSuchKey" || (err.name === "NotFound" && status === 404)) {
    return new FileNotFoundError(where, uri, { cause: e });
  }
  const { bucket, key } = parseS3(uri, where);
  const what = status === undefined
    ? `cannot reach ${endpoint}: ${err.message ?? String(e)}`
    : `${err.name ?? "error"} (HTTP ${status}): ${err.message ?? ""}`;
  return new MXNetError(`${where}: s3://${bucket}/${key} (bucket ${bucket}, key ${key}): ${what}`, {
    cause: e,
  });
}

/** The S3 store. */
export function s3Store(): RemoteStore {
  let made: ReturnType<typeof makeClient> | undefined;
  const client = () => (made ??= makeClient());
  return {
    async read(uri, where) {
      const { bucket, key } = parseS3(uri, where);
      const { sdk, client: c, endpoint } = await client();
      try {
        const r = await c.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
        // The SDK's bytes are over an ordinary ArrayBuffer (never shared).
        const body = r.Body as { transformToByteArray(): Promise<Uint8Array<ArrayBuffer>> };
        return await body.transformToByteArray();
      } catch (e) {
        throw s3Error(where, uri, endpoint, e);
      }
    },
    async stage(uri: string, content: FileContent, where: string): Promise<RemoteStaged> {
      const { bucket, key } = parseS3(uri, where);
      const { sdk, client: c, endpoint } = await client();
      const at = { Bucket: bucket, Key: key };
      let uploadId: string;
      try {
        const r = await c.send(new sdk.CreateMultipartUploadCommand(at));
        uploadId = r.UploadId as string;
      } catch (e) {
        throw s3Error(where, uri, endpoint, e);
      }
      const abort = () =>
        c.send(new sdk.AbortMultipartUploadCommand({ ...at, UploadId: uploadId })).then(
          () => {},
          () => {},
        );
      const parts: { PartNumber: number; ETag: string }[] = [];
      try {
        for await (const body of partsOf(content, PART_BYTES)) {
          const n = parts.length + 1;
          const r = await c.send(
            new sdk.UploadPartCommand({ ...at, UploadId: uploadId, PartNumber: n, Body: body }),
          );
          parts.push({ PartNumber: n, ETag: r.ETag as string });
        }
      } catch (e) {
        await abort();
        throw e instanceof MXNetError ? e : s3Error(where, uri, endpoint, e);
      }
      return {
        async commit() {
          try {
            await c.send(
              new sdk.CompleteMultipartUploadCommand({
                ...at,
                UploadId: uploadId,
                MultipartUpload: { Parts: parts },
              }),
            );
          } catch (e) {
            await abort();
            throw s3Error(where, uri, endpoint, e);
          }
        },
        discard: abort,
      };
    },
  };
}
